import ArgumentParser
import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import PodSimulator

/// `resilience-bench simulate`: how the pod simulator keeps up with many pods on the local control plane.
///
/// Starts a simulator for its own tainted nodes, creates one Deployment of `--pods` replicas that only
/// those nodes take (by name: nodes of an earlier, larger run stay registered), and prints how long until every pod is Ready, the simulator's reaction lag, and the
/// process's memory; then deletes the namespace and prints how long the pods took to go.
struct SimulatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "Pods a second and reaction lag of the pod simulator.")

    @Option(help: "How many pods.")
    var pods = 10_000

    @OptionGroup var plane: PlaneOptions

    func run() async throws {
        var configuration = try KubeConfig.load(path: plane.kubeconfig).configuration()
        configuration.qps = 1000
        configuration.burst = 2000
        let client = try KubernetesClient(configuration: configuration)
        var simulation = SimulatorConfiguration()
        let taint = Node.Taint(key: "sim.resilience.dev/bench", value: "true", effect: "NoSchedule")
        simulation.nodes = (1...max(1, (pods + 4999) / 5000)).map { "bench-node-\($0)" }
        simulation.taints = [taint]
        let logger = Logger(label: "bench")
        let simulator = try await Simulator.start(client: client, configuration: simulation, logger: logger)
        let namespace = "bench-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))

        let deployments = Reflector(KubernetesListWatch(Deployment.self, client: client, namespace: namespace), clock: ContinuousClock(), logger: logger)
        let (ready, readySignal) = AsyncStream<Void>.makeStream()
        let target = pods
        let watch = Task {
            await deployments.run { event in
                if event.objects.contains(where: { $0.status?.readyReplicas == target }) { readySignal.yield() }
            }
        }
        let start = ContinuousClock.now
        let body = #"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bench"},
             "spec":{"replicas":\#(pods),"selector":{"matchLabels":{"app":"bench"}},
              "template":{"metadata":{"labels":{"app":"bench"}},
               "spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
                         {"matchExpressions":[{"key":"kubernetes.io/hostname","operator":"In","values":[\#(simulation.nodes.map { "\"\($0)\"" }.joined(separator: ","))]}]}]}}},
                       "tolerations":[{"key":"\#(taint.key)","operator":"Exists","effect":"NoSchedule"}],
                       "containers":[{"name":"app","image":"registry.example/bench:1","ports":[{"containerPort":8080}]}]}}}}
            """#
        try await client.send(.POST, "/apis/apps/v1/namespaces/\(namespace)/deployments", body: Array(body.utf8))
        for await _ in ready { break }
        let readyTime = ContinuousClock.now - start
        watch.cancel()
        let lag = simulator.kubelet.lag.summary()
        print("pods                         \(pods) on \(simulation.nodes.count) simulated nodes")
        print("all Ready after              \(seconds(readyTime)) s (\(Int(Double(pods) / max(seconds(readyTime), 0.001))) pods/s, scheduling and ReplicaSet included)")
        print("reaction lag                 p50 \(milliseconds(lag.p50)) ms, p99 \(milliseconds(lag.p99)) ms, max \(milliseconds(lag.max)) ms over \(lag.count) reactions")
        print("resident memory              \(PlaneOptions.residentBytes() / 1_048_576) MiB (simulator, client and watch cache)")

        let podsWatch = Reflector(KubernetesListWatch(Pod.self, client: client, namespace: namespace), clock: ContinuousClock(), logger: logger)
        let (gone, goneSignal) = AsyncStream<Void>.makeStream()
        let podsTask = Task {
            await podsWatch.run { _ in
                if podsWatch.store.isSynced, podsWatch.store.count == 0 { goneSignal.yield() }
            }
        }
        let deleteStart = ContinuousClock.now
        try await client.delete(Namespace.self, name: namespace)
        for await _ in gone { break }
        podsTask.cancel()
        print("all deleted after            \(seconds(ContinuousClock.now - deleteStart)) s (graceful termination by the simulator)")
        await simulator.stop()
        try await client.shutdown()
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func milliseconds(_ seconds: Double) -> String {
        String(format: "%.1f", seconds * 1000)
    }
}
