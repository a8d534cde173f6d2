import ArgumentParser
import CommandSupport
import KubernetesAPI
import KubernetesClient
import PodSimulator

/// `resilience-simulator fault`: injects or clears faults in a running simulation, by writing the pods'
/// `sim.resilience.dev/faults` annotation (which the simulator watches).
struct FaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault",
        abstract: "Inject or clear simulated faults on pods, by name or label selector.",
        discussion: """
            Faults: crashLoop, oomKilled, notReady, imagePullError, slowStart=30s, hangOnTermination,
            stuckTerminating, healthFail, healthHang, errorRatio=0.3, latency=500ms. Examples:
              resilience-simulator fault -n shop --pod web-7d9c-x2x1 --set crashLoop
              resilience-simulator fault -n shop --selector app=web --set errorRatio=0.4,latency=800ms
              resilience-simulator fault -n shop --selector app=web --clear
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .shortAndLong, help: "The pods' namespace (default: the kubeconfig context's).")
    var namespace: String?

    @Option(help: "One pod by name.")
    var pod: String?

    @Option(help: "Pods by label selector (key=value, comma-separated).")
    var selector: String?

    @Option(help: "The faults to set, replacing the pods' current ones.")
    var set: String?

    @Flag(help: "Remove every fault.")
    var clear = false

    func validate() throws {
        guard (pod == nil) != (selector == nil) else { throw ValidationError("give --pod or --selector (one of them)") }
        guard (set == nil) != !clear else { throw ValidationError("give --set FAULTS or --clear (one of them)") }
        if let set {
            do { _ = try Faults(parsing: set) } catch { throw ValidationError("--set: \(error)") }
        }
    }

    func run() async throws {
        let configuration = try cluster.clientConfiguration()
        let client = try KubernetesClient(configuration: configuration)
        let namespace = namespace ?? configuration.namespace
        let names: [String]
        if let pod {
            names = [pod]
        } else {
            names = try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: selector)).items.compactMap(\.metadata.name)
        }
        let value = set.map { "\"\($0)\"" } ?? "null"
        let patch = #"{"metadata":{"annotations":{"\#(Faults.annotation)":\#(value)}}}"#
        for name in names {
            _ = try await client.patch(Pod.self, name: name, namespace: namespace, .merge(Array(patch.utf8)))
            print("\(namespace)/\(name): \(set ?? "faults cleared")")
        }
        if names.isEmpty { print("no pod in \(namespace) matches \(selector ?? "")") }
        try await client.shutdown()
    }
}
