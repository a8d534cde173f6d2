import KubernetesAPI
import KubernetesClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OperatorRuntime

/// What a simulation runs: its nodes, its timings, where Prometheus finds the pods.
public struct SimulatorConfiguration: Sendable {
    /// Node names; `sim-node-1` is the one the local control plane registers.
    public var nodes: [String] = ["sim-node-1"]
    /// Taints for the nodes, so that only pods that tolerate them land there.
    public var taints: [Node.Taint] = []
    public var kubelet = KubeletSettings()
    /// Where the discovery endpoint listens (`/sd` for Prometheus's http_sd, `/metrics` for the
    /// simulator's own lag); port 0 picks a free one.
    public var discoveryHost = "127.0.0.1"
    public var discoveryPort = 0

    public init() {}
}

/// A running simulation: the nodes' agent, the kubelet on the pod watch, and the discovery endpoint.
public struct Simulator: Sendable {
    public let kubelet: Kubelet
    /// The port of the discovery endpoint.
    public let discoveryPort: Int
    private let tasks: [Task<Void, Never>]
    private let discovery: HTTPServer
    private let group: MultiThreadedEventLoopGroup

    /// Registers the nodes and starts acting as their kubelet.
    public static func start(client: KubernetesClient, configuration: SimulatorConfiguration, logger: Logger) async throws -> Simulator {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let agent = NodeAgent(client: client, nodes: configuration.nodes, taints: configuration.taints, logger: logger)
        try await agent.register()
        let kubelet = Kubelet(client: client, nodes: Set(configuration.nodes), settings: configuration.kubelet, group: group, logger: logger)
        let targets = kubelet.targets, lag = kubelet.lag
        let discovery = try await HTTPServer.start(host: configuration.discoveryHost, port: configuration.discoveryPort, group: group) { head in
            switch head.uri {
            case "/sd": return .respond(status: .ok, contentType: "application/json", body: targets.discoveryJSON())
            case "/metrics": return .respond(status: .ok, contentType: "text/plain; version=0.0.4", body: Self.exposition(lag: lag, targets: targets))
            default: return .respond(status: .notFound, contentType: "text/plain", body: "not found\n")
            }
        }
        let pods = Reflector(KubernetesListWatch(SimulatedPod.self, client: client), clock: ContinuousClock(), logger: logger)
        let tasks = [
            Task { await agent.run() },
            Task { await pods.run { event in await kubelet.observe(event) } },
        ]
        await pods.store.waitUntilSynced()
        return Simulator(kubelet: kubelet, discoveryPort: discovery.port, tasks: tasks, discovery: discovery, group: group)
    }

    /// Stops acting: the pods' applications close; the nodes and pods stay in the API.
    public func stop() async {
        tasks.forEach { $0.cancel() }
        await kubelet.shutdown()
        await discovery.close()
        try? await group.shutdownGracefully()
    }

    private static func exposition(lag: LagRecorder, targets: TargetRegistry) -> String {
        let summary = lag.summary()
        return """
            # HELP resilience_sim_reaction_lag_seconds From a pod's change to the simulated kubelet's reaction (recent reactions).
            # TYPE resilience_sim_reaction_lag_seconds summary
            resilience_sim_reaction_lag_seconds{quantile="0.5"} \(summary.p50)
            resilience_sim_reaction_lag_seconds{quantile="0.99"} \(summary.p99)
            resilience_sim_reaction_lag_seconds{quantile="1"} \(summary.max)
            resilience_sim_reaction_lag_seconds_count \(summary.count)
            # HELP resilience_sim_pods Pods the simulator runs.
            # TYPE resilience_sim_pods gauge
            resilience_sim_pods \(targets.count)

            """
    }
}
