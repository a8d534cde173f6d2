import ArgumentParser
import CommandSupport
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import ResilienceOperator
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `resilience-operator run`: watches policies and their Deployments and recovers pods as they declare.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the operator: judge pods, carry out the plans, report in status and Events.",
        discussion: "Every option may also come from the environment: --some-option from RESILIENCE_SOME_OPTION (flags from 'true'). The command line wins."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Watch only this namespace (default: every namespace).")
    var namespace: String?

    @Flag(help: "Act only while holding the leader Lease (for running several replicas).")
    var leaderElect = false

    @Option(help: "The leader Lease's namespace (default: the kubeconfig context's, or the pod's).")
    var leaderElectionNamespace: String?

    @Option(help: "The leader Lease's name.")
    var leaderElectionID = "resilience-operator"

    @OptionGroup var leaderElectionTimes: LeaderElectionTimes

    @Option(help: "Where /healthz, /readyz and /metrics are served, as host:port.")
    var metricsAddress = "127.0.0.1:8080"

    @Option(help: "Client-side requests per second to the API server.")
    var qps = 20.0

    @Option(help: "Prometheus's base URL, for policies with metric rules (without it their samples are unknown).")
    var prometheusURL: String?

    @Option(help: "Seconds between metric queries.")
    var metricsInterval = 15.0

    @Option(help: "The operator-wide action budget: at most this many actions per --max-actions-window, across all policies (default: no limit beyond the policies' own).")
    var maxActions: Int?

    @Option(help: "The window of --max-actions, in seconds.")
    var maxActionsWindow = 3600.0

    @Option(help: "Freeze every action of every policy, with this reason (pods are still judged, the status written and serving gates opened).")
    var freeze: String?

    @Option(help: "A ConfigMap in the operator's namespace (the leader election namespace) whose presence freezes every action, its data.reason saying why; empty for none.")
    var freezeConfigMap = "resilience-operator-freeze"

    @Option(help: "Log format: text or json.")
    var logFormat = "text"

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    private static let day = 86_400.0
    private static let year = 365 * day

    func validate() throws {
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format is text or json, not '\(logFormat)'") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level '\(logLevel)' is not a level") }
        // Ceilings, too: a duration or a burst is made an integer, which an infinite or huge number overflows.
        if let maxActions, maxActions <= 0 { throw ValidationError("--max-actions must be positive, not \(maxActions)") }
        guard maxActionsWindow > 0, maxActionsWindow <= Self.year else {
            throw ValidationError("--max-actions-window must be over 0 and at most a year (\(Int(Self.year)) s), not \(maxActionsWindow)")
        }
        // Floors against hot loops: a zero interval would query Prometheus without pause.
        guard metricsInterval >= 1, metricsInterval <= Self.day else {
            throw ValidationError("--metrics-interval must be at least 1 second and at most a day, not \(metricsInterval)")
        }
        guard qps >= 1, qps <= 100_000 else { throw ValidationError("--qps must be between 1 and 100000, not \(qps)") }
        if let prometheusURL, !(prometheusURL.hasPrefix("http://") || prometheusURL.hasPrefix("https://")) {
            throw ValidationError("--prometheus-url must be an http(s) URL, not '\(prometheusURL)'")
        }
        guard metricsAddress.split(separator: ":").count == 2, Int(metricsAddress.split(separator: ":")[1]) != nil else {
            throw ValidationError("--metrics-address needs host:port, not '\(metricsAddress)'")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var clientConfiguration = try cluster.clientConfiguration()
        clientConfiguration.qps = qps
        clientConfiguration.burst = Int(qps * 1.5)
        let client = try KubernetesClient(configuration: clientConfiguration)
        let parts = metricsAddress.split(separator: ":")
        let identity = ProcessInfo.processInfo.environment["POD_NAME"] ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let logger = Logger(label: "resilience-operator")
        var configuration = ResilienceOperator.Configuration(namespace: namespace, endpoints: (String(parts[0]), Int(parts[1])!), instance: identity)
        configuration.onListening = { port in logger.info("serving /healthz, /readyz and /metrics", metadata: ["port": "\(port)"]) }
        configuration.prometheus = prometheusURL
        configuration.metricsInterval = .milliseconds(Int64(metricsInterval * 1000))
        configuration.maxActions = maxActions.map { ($0, .milliseconds(Int64(maxActionsWindow * 1000))) }
        configuration.freeze = freeze
        if !freezeConfigMap.isEmpty {
            configuration.freezeConfigMap = ObjectKey(namespace: leaderElectionNamespace ?? clientConfiguration.namespace, name: freezeConfigMap)
        }
        if leaderElect {
            var election = LeaderElector<ContinuousClock>.Configuration(
                leaseName: leaderElectionID, namespace: leaderElectionNamespace ?? clientConfiguration.namespace, identity: identity)
            leaderElectionTimes.apply(to: &election)
            configuration.leaderElection = election
        }
        let service = ResilienceOperator(client: client, configuration: configuration, logger: logger)
        logger.info("running", metadata: ["namespace": "\(namespace ?? "(all)")", "leaderElection": "\(leaderElect)", "endpoints": "\(metricsAddress)", "identity": "\(identity)"])
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("operator stopped", metadata: ["error": "\(error)"])
            // Exit now, as client-go's controllers do when they lose the lease: a connection still being made
            // to an API server that stopped answering would hold a clean close for its whole connect timeout.
            // The connections close with the process.
            Task { try? await client.shutdown() }
            throw ExitCode.failure
        }
        try await client.shutdown()
        logger.info("stopped")
    }
}
