import Foundation
import KubernetesAPI
import KubernetesClient
import Synchronization

/// The fault bench's steady churn: every `interval`, one Ready pod of a Deployment that has no fault
/// pending is made to crash-loop (the status write a kubelet would make), as the admin, not through the
/// replicas' proxies. Each fault written is remembered with when; a write whose answer was lost (the API
/// server restarting) may or may not have landed, so its pod is remembered as touched, not as a fault.
final class FaultChurn: Sendable {
    /// A pod made to crash-loop.
    struct Fault: Sendable {
        var uid: String
        var namespace: String
        var name: String
        var written: ContinuousClock.Instant
    }

    private let client: KubernetesClient
    private let kubelet: KubeletStandIn
    private let targets: [(namespace: String, name: String)]
    private let replicas: Int
    private let interval: Duration
    private struct State {
        var faults: [Fault] = []
        /// Pods a fault was written to, landed or not, by namespace/name.
        var touched: Set<String> = []
    }
    private let state = Mutex(State())

    init(client: KubernetesClient, kubelet: KubeletStandIn, targets: [(namespace: String, name: String)], replicas: Int, interval: Duration) {
        self.client = client
        self.kubelet = kubelet
        self.targets = targets
        self.replicas = replicas
        self.interval = interval
    }

    /// Writes faults until cancelled.
    func run() async {
        while !Task.isCancelled {
            await faultOne()
            try? await Task.sleep(for: interval)
        }
    }

    /// The faults written at or after `since` (from the first, without it), and before `until`, oldest first.
    func faults(since: ContinuousClock.Instant? = nil, until: ContinuousClock.Instant = .now) -> [Fault] {
        state.withLock { $0.faults.filter { fault in since.map { fault.written >= $0 } ?? true && fault.written < until } }
    }

    /// Whether a fault was ever written to the pod `namespace/name` (landed or not).
    func touched(_ namespace: String, _ name: String) -> Bool {
        state.withLock { $0.touched.contains("\(namespace)/\(name)") }
    }

    /// The faults not yet acted on.
    var pending: [Fault] {
        state.withLock { $0.faults }.filter { kubelet.deletionSeen($0.uid) == nil }
    }

    private func faultOne() async {
        let busy = Set(pending.map { "\($0.namespace)/\(Self.deployment(of: $0.name))" })
        let whole = targets.filter {
            !busy.contains("\($0.namespace)/\($0.name)") && kubelet.readyPods(namespace: $0.namespace, app: $0.name).count >= replicas
        }
        guard let target = whole.randomElement(),
              let pod = kubelet.readyPods(namespace: target.namespace, app: target.name).randomElement(),
              let name = pod.metadata.name, let uid = pod.metadata.uid else { return }
        let namespace = target.namespace
        state.withLock { _ = $0.touched.insert("\(namespace)/\(name)") }
        do {
            _ = try await client.patch(Pod.self, name: name, namespace: namespace, .merge(Array(KubeletStandIn.crashLoop.utf8)), subresource: "status")
            let fault = Fault(uid: uid, namespace: namespace, name: name, written: .now)
            state.withLock { $0.faults.append(fault) }
        } catch {
            // The API server is away: this tick writes no fault.
        }
    }

    /// The Deployment a pod belongs to, from its name (app-N-<replicaset hash>-<suffix>).
    static func deployment(of pod: String) -> String {
        pod.split(separator: "-").dropLast(2).joined(separator: "-")
    }
}
