import ArgumentParser
import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import PodSimulator
import ResilienceCore
import ResilienceOperator
import Synchronization

/// `resilience-bench operator`: how fast the operator answers a pod going bad, end to end on the local
/// control plane.
///
/// Starts a simulator for its own tainted node and the operator for one namespace, creates
/// `--deployments` Deployments of `--replicas` pods, each with a policy that restarts crash-looping pods,
/// then breaks one pod of each Deployment at once. A watch of the bench's own sees each pod's status turn
/// to CrashLoopBackOff and, later, the eviction's deletionTimestamp; the figures are the time between the
/// two, per pod (the API server's round trips, the operator's watch, queue, plan, evidence and eviction).
struct OperatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "operator", abstract: "Time from a pod going bad to the operator's action.")

    @Option(help: "How many Deployments, each with its own policy.")
    var deployments = 20

    @Option(help: "Pods per Deployment.")
    var replicas = 10

    @OptionGroup var plane: PlaneOptions

    func run() async throws {
        var configuration = try KubeConfig.load(path: plane.kubeconfig).configuration()
        configuration.qps = 500
        configuration.burst = 1000
        let client = try KubernetesClient(configuration: configuration)
        var logger = Logger(label: "bench")
        // Stopping at the end cuts requests short; only errors are worth showing.
        logger.logLevel = .error
        var simulation = SimulatorConfiguration()
        let taint = Node.Taint(key: "sim.resilience.dev/operator-bench", value: "true", effect: "NoSchedule")
        simulation.nodes = ["operator-bench-node-1"]
        simulation.taints = [taint]
        simulation.kubelet.timeScale = 0.05
        let simulator = try await Simulator.start(client: client, configuration: simulation, logger: logger)
        let namespace = "bench-op-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))

        // The bench's own view: when each pod first showed CrashLoopBackOff, and when it was evicted.
        let seen = Mutex<(crashing: [String: ContinuousClock.Instant], evicted: [String: ContinuousClock.Instant])>(([:], [:]))
        let total = deployments * replicas
        let (ready, readySignal) = AsyncStream<Void>.makeStream()
        let (acted, actedSignal) = AsyncStream<Void>.makeStream()
        let broken = deployments
        let pods = Reflector(KubernetesListWatch(Pod.self, client: client, namespace: namespace), clock: ContinuousClock(), logger: logger)
        let watch = Task {
            await pods.run { event in
                let now = ContinuousClock.now
                let done = seen.withLock { seen -> Bool in
                    for pod in event.objects {
                        guard let uid = pod.metadata.uid else { continue }
                        if seen.crashing[uid] == nil, pod.status?.containerStatuses?.contains(where: { $0.state?.waiting?.reason == "CrashLoopBackOff" }) == true {
                            seen.crashing[uid] = now
                        }
                        if seen.evicted[uid] == nil, seen.crashing[uid] != nil, pod.metadata.deletionTimestamp != nil { seen.evicted[uid] = now }
                    }
                    return seen.evicted.count >= broken
                }
                if done { actedSignal.yield() }
                let live = pods.store.list().filter { $0.metadata.deletionTimestamp == nil }
                if live.count == total, live.allSatisfy(\.isReady) { readySignal.yield() }
            }
        }
        for index in 1...deployments {
            let name = "app-\(index)"
            let body = #"""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\#(name)"},
                 "spec":{"replicas":\#(replicas),"selector":{"matchLabels":{"app":"\#(name)"}},
                  "template":{"metadata":{"labels":{"app":"\#(name)"}},
                   "spec":{"nodeSelector":{"kubernetes.io/hostname":"\#(simulation.nodes[0])"},
                           "tolerations":[{"key":"\#(taint.key)","operator":"Exists","effect":"NoSchedule"}],
                           "containers":[{"name":"app","image":"registry.example/\#(name):1","ports":[{"containerPort":8080}]}]}}}}
                """#
            try await client.send(.POST, "/apis/apps/v1/namespaces/\(namespace)/deployments", body: Array(body.utf8))
            let policy = #"""
                {"apiVersion":"resilience.dev/v1alpha1","kind":"ResiliencePolicy","metadata":{"name":"\#(name)"},
                 "spec":{"targetRef":{"kind":"Deployment","name":"\#(name)"},"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s"}}}
                """#
            try await client.send(.POST, ResiliencePolicy.path(namespace: namespace), body: Array(policy.utf8))
        }
        for await _ in ready { break }
        let operatorConfiguration = ResilienceOperator.Configuration(namespace: namespace, instance: "bench")
        let service = ResilienceOperator(client: client, configuration: operatorConfiguration, logger: logger)
        let running = Task { try await service.run() }

        // One pod of each Deployment breaks at once.
        let fault = #"{"metadata":{"annotations":{"\#(Faults.annotation)":"crashLoop"}}}"#
        for index in 1...deployments {
            let victim = pods.store.list().first { $0.metadata.labels?["app"] == "app-\(index)" }
            if let name = victim?.metadata.name {
                _ = try await client.patch(Pod.self, name: name, namespace: namespace, .merge(Array(fault.utf8)))
            }
        }
        for await _ in acted { break }
        let latencies = seen.withLock { seen in
            seen.evicted.compactMap { uid, evicted in seen.crashing[uid].map { milliseconds(evicted - $0) } }.sorted()
        }
        print("pods                         \(total) in \(deployments) Deployments, one policy each; \(deployments) break at once")
        print("CrashLoopBackOff to eviction p50 \(percentile(latencies, 0.5)) ms, p99 \(percentile(latencies, 0.99)) ms, max \(latencies.last ?? 0) ms")
        print("                             (as the bench's own watch sees both; the operator's plan, evidence and eviction included)")
        print("resident memory              \(PlaneOptions.residentBytes() / 1_048_576) MiB (bench: simulator, operator, their caches)")
        running.cancel()
        _ = await running.result
        watch.cancel()
        try await client.delete(Namespace.self, name: namespace)
        await simulator.stop()
        try await client.shutdown()
    }

    private func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000) + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    private func percentile(_ sorted: [Int], _ share: Double) -> Int {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * share))]
    }
}
