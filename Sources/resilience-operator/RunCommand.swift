import ArgumentParser
import Dispatch
import Foundation
import KubernetesClient
import Logging
import OperatorRuntime
import ResilienceOperator

/// `resilience-operator run`: watches policies and their Deployments and recovers pods as they declare.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the operator: judge pods, carry out the plans, report in status and Events."
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

    @Option(help: "Where /healthz and /readyz are served, as host:port.")
    var metricsAddress = "127.0.0.1:8080"

    @Option(help: "Client-side requests per second to the API server.")
    var qps = 20.0

    @Option(help: "Prometheus's base URL, for policies with metric rules (without it their samples are unknown).")
    var prometheusURL: String?

    @Option(help: "Seconds between metric queries.")
    var metricsInterval = 15.0

    func run() async throws {
        var clientConfiguration = try cluster.clientConfiguration()
        clientConfiguration.qps = qps
        clientConfiguration.burst = Int(qps * 1.5)
        let client = try KubernetesClient(configuration: clientConfiguration)
        let parts = metricsAddress.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--metrics-address needs host:port, not '\(metricsAddress)'") }
        let identity = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let logger = Logger(label: "resilience-operator")
        var configuration = ResilienceOperator.Configuration(namespace: namespace, healthAddress: (String(parts[0]), port), instance: identity)
        configuration.prometheus = prometheusURL
        configuration.metricsInterval = .milliseconds(Int64(metricsInterval * 1000))
        let service = ResilienceOperator(client: client, configuration: configuration, logger: logger)
        let elector = leaderElect ? LeaderElector(
            configuration: .init(leaseName: leaderElectionID, namespace: leaderElectionNamespace ?? clientConfiguration.namespace, identity: identity),
            client: client, clock: ContinuousClock(), logger: logger) : nil
        let work = Task {
            if let elector {
                _ = await elector.run {
                    do { try await service.run() } catch { logger.error("operator stopped", metadata: ["error": "\(error)"]) }
                }
            } else {
                do { try await service.run() } catch { logger.error("operator stopped", metadata: ["error": "\(error)"]) }
            }
        }
        let signals = [SIGTERM, SIGINT].map { signal -> any DispatchSourceSignal in
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { work.cancel() }
            source.resume()
            return source
        }
        logger.info("running", metadata: ["namespace": "\(namespace ?? "(all)")", "leaderElection": "\(leaderElect)", "health": "\(metricsAddress)"])
        await work.value
        signals.forEach { $0.cancel() }
        try await client.shutdown()
    }
}
