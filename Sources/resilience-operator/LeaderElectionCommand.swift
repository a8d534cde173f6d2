import ArgumentParser
import CommandSupport
import Dispatch
import Glibc
import KubernetesClient
import Logging
import OperatorRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `resilience-operator leader-election`: campaigns for a Lease and reports when this process leads.
///
/// For checking a deployment's RBAC and failover: run two, kill one. Prints `campaigning`, `leading`,
/// then `lost` or `released` on standard output, one line each. SIGTERM and SIGINT release the lease.
struct LeaderElectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leader-election",
        abstract: "Campaign for a Lease and report leadership (for checking RBAC and failover)."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The Lease's name.")
    var lease = "resilience-operator"

    @Option(help: "The Lease's namespace (default: the kubeconfig context's).")
    var namespace: String?

    @Option(help: "This candidate's identity (default: host name and process id).")
    var identity: String?

    @OptionGroup var times: LeaderElectionTimes

    func run() async throws {
        let clientConfiguration = try cluster.clientConfiguration()
        let client = try KubernetesClient(configuration: clientConfiguration)
        var configuration = LeaderElector<ContinuousClock>.Configuration(
            leaseName: lease, namespace: namespace ?? clientConfiguration.namespace,
            identity: identity ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)")
        times.apply(to: &configuration)
        let elector = LeaderElector(configuration: configuration, client: client, clock: ContinuousClock(), logger: Logger(label: "leader-election"))

        let election = Task { await elector.run { await Self.lead() } }
        let signals = [SIGTERM, SIGINT].map { signal -> any DispatchSourceSignal in
            Glibc.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { election.cancel() }
            source.resume()
            return source
        }
        Self.say("campaigning \(configuration.identity)")
        let outcome = await election.value
        signals.forEach { $0.cancel() }
        Self.say(outcome == .lost ? "lost" : "released")
        try await client.shutdown()
        if outcome == .lost { throw ExitCode(2) }
    }

    /// Leads until cancelled: nothing to do here but hold the lease.
    private static func lead() async {
        say("leading")
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// One line on standard output, written at once (a pipe would otherwise buffer it).
    private static func say(_ line: String) {
        print(line)
        fflush(nil)
    }
}
