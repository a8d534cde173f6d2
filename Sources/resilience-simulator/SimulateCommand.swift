import ArgumentParser
import CommandSupport
import Dispatch
import Glibc
import KubernetesAPI
import KubernetesClient
import Logging
import PodSimulator

/// `resilience-simulator run` (the default): plays the kubelet for simulated nodes on a cluster without one (the
/// local control plane), with each pod's health endpoint and metrics served on its own loopback address.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Act as the kubelet of simulated nodes: pods run, get addresses, serve health and metrics, and take faults."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "How many simulated nodes (sim-node-1 ... sim-node-N).")
    var nodes = 1

    @Option(help: "Node name prefix.")
    var nodePrefix = "sim-node-"

    @Option(help: "A taint for the nodes, as key=value:Effect (repeatable).")
    var taint: [String] = []

    @Option(help: "Multiplies the kubelet's delays and restart back-off (0.1 runs a crash loop ten times faster).")
    var timeScale = 1.0

    @Option(help: "Where Prometheus discovers the pods (GET /sd, http_sd format) and the simulator's lag is served (GET /metrics).")
    var discoveryAddress = "127.0.0.1:9464"

    @Option(help: "Client-side requests per second to the API server.")
    var qps = 200.0

    func run() async throws {
        var clientConfiguration = try cluster.clientConfiguration()
        clientConfiguration.qps = qps
        clientConfiguration.burst = Int(qps * 1.5)
        let client = try KubernetesClient(configuration: clientConfiguration)
        var configuration = SimulatorConfiguration()
        configuration.nodes = (1...max(1, nodes)).map { "\(nodePrefix)\($0)" }
        configuration.taints = try taint.map(Self.parseTaint)
        configuration.kubelet = KubeletSettings(timeScale: timeScale)
        let parts = discoveryAddress.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--discovery-address needs host:port, not '\(discoveryAddress)'") }
        configuration.discoveryHost = String(parts[0])
        configuration.discoveryPort = port
        let logger = Logger(label: "simulate")
        let simulator = try await Simulator.start(client: client, configuration: configuration, logger: logger)
        logger.info("simulating", metadata: ["nodes": "\(configuration.nodes.joined(separator: ","))", "discovery": "http://\(configuration.discoveryHost):\(simulator.discoveryPort)/sd"])

        let stop = AsyncStream<Void>.makeStream()
        let signals = [SIGTERM, SIGINT].map { signal -> any DispatchSourceSignal in
            Glibc.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { stop.continuation.finish() }
            source.resume()
            return source
        }
        let report = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(30))
                let lag = simulator.kubelet.lag.summary()
                logger.info("reaction lag", metadata: ["reactions": "\(lag.count)", "p50": "\(lag.p50)s", "p99": "\(lag.p99)s", "max": "\(lag.max)s"])
            }
        }
        for await _ in stop.stream {}
        report.cancel()
        signals.forEach { $0.cancel() }
        await simulator.stop()
        try await client.shutdown()
    }

    static func parseTaint(_ text: String) throws -> Node.Taint {
        let effectSplit = text.split(separator: ":", maxSplits: 1).map(String.init)
        let keyValue = effectSplit[0].split(separator: "=", maxSplits: 1).map(String.init)
        guard effectSplit.count == 2, ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effectSplit[1]), !keyValue[0].isEmpty else {
            throw ValidationError("--taint '\(text)' is not key=value:Effect (Effect: NoSchedule, PreferNoSchedule or NoExecute)")
        }
        return Node.Taint(key: keyValue[0], value: keyValue.count > 1 ? keyValue[1] : nil, effect: effectSplit[1])
    }
}
