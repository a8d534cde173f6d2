import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import Synchronization

/// The operator benchmark's kubelet, and its own view of the pods (a watch separate from the measured
/// process's): it readies every new pod bound to its node (one status write: Running, Ready), removes
/// every pod marked for deletion (a delete with grace 0, as a kubelet confirms a pod's end), and notes
/// when it first saw each pod marked for deletion, which is when the benchmark counts an action as seen.
final class KubeletStandIn: Sendable {
    let node: String
    let pods: Reflector<KubernetesListWatch<Pod>, ContinuousClock>
    private let client: KubernetesClient
    private let jobs: AsyncStream<Job>.Continuation
    private let stream: AsyncStream<Job>
    private struct State {
        var handled: Set<String> = []
        var deletionSeen: [String: ContinuousClock.Instant] = [:]
        var waiters: [String: [CheckedContinuation<ContinuousClock.Instant?, Never>]] = [:]
    }
    private let state = Mutex(State())

    private enum Job: Sendable {
        case ready(Pod)
        case remove(Pod)
    }

    init(client: KubernetesClient, node: String, labelSelector: String, logger: Logger) {
        self.client = client
        self.node = node
        pods = Reflector(
            KubernetesListWatch(Pod.self, client: client, labelSelector: labelSelector), store: Store(index: Self.deployment), clock: ContinuousClock(),
            logger: logger)
        (stream, jobs) = AsyncStream<Job>.makeStream()
    }

    /// Runs until cancelled: the watch, and `workers` writers.
    func run(workers: Int = 32) async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await self.pods.run { event in
                    let now = ContinuousClock.now
                    for pod in event.objects { self.observe(pod, at: now) }
                }
            }
            for _ in 0..<workers {
                group.addTask {
                    for await job in self.stream {
                        await self.perform(job)
                    }
                }
            }
            group.addTask {
                // Ends the writers once the run is cancelled.
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                self.jobs.finish()
            }
        }
    }

    /// When the pod with `uid` was first seen marked for deletion, waiting up to `timeout` for it.
    func deletionSeen(_ uid: String, timeout: Duration) async -> ContinuousClock.Instant? {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.resume(uid, with: nil)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let seen = state.withLock { state -> ContinuousClock.Instant?? in
                if let seen = state.deletionSeen[uid] { return .some(seen) }
                state.waiters[uid, default: []].append(continuation)
                return .none
            }
            if let seen { continuation.resume(returning: seen) }
        }
    }

    /// When the pod with `uid` was first seen marked for deletion, if it was.
    func deletionSeen(_ uid: String) -> ContinuousClock.Instant? {
        state.withLock { $0.deletionSeen[uid] }
    }

    /// The Ready pods not marked for deletion, by Deployment (the `app` label), from the watch cache. The
    /// cache's index finds them: the bench looks before every fault, and a scan of 10,000 pods each time
    /// would take the cores it shares with the subject.
    func readyPods(namespace: String, app: String) -> [Pod] {
        pods.store.indexed("\(namespace)/\(app)").filter { $0.metadata.deletionTimestamp == nil && $0.isReady }
    }

    /// Why a Deployment is not whole, for a bench that gave up waiting: its pods by state, and the first
    /// few that are not Ready (phase and node) or are being deleted.
    func describe(namespace: String, app: String, replicas: Int) -> String {
        let pods = pods.store.indexed("\(namespace)/\(app)")
        let ready = readyPods(namespace: namespace, app: app).count
        let deleting = pods.filter { $0.metadata.deletionTimestamp != nil }
        let waiting = pods.filter { $0.metadata.deletionTimestamp == nil && !$0.isReady }
        let named = (waiting.prefix(5).map { "\($0.metadata.name ?? "?") (\($0.status?.phase ?? "no phase"), node \($0.spec?.nodeName ?? "none"))" }
            + deleting.prefix(5).map { "\($0.metadata.name ?? "?") (being deleted)" })
        return "\(ready) of \(replicas) Ready, \(waiting.count) not Ready, \(deleting.count) being deleted" + (named.isEmpty ? "" : ": " + named.joined(separator: ", "))
    }

    /// What the cache indexes a pod by: its namespace and `app` label.
    @Sendable private static func deployment(_ pod: Pod) -> [String] {
        pod.metadata.labels?["app"].map { ["\(pod.metadata.namespace ?? "")/\($0)"] } ?? []
    }

    private func observe(_ pod: Pod, at now: ContinuousClock.Instant) {
        guard let uid = pod.metadata.uid else { return }
        if pod.metadata.deletionTimestamp != nil {
            let (first, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<ContinuousClock.Instant?, Never>]) in
                guard state.deletionSeen[uid] == nil else { return (false, []) }
                state.deletionSeen[uid] = now
                return (true, state.waiters.removeValue(forKey: uid) ?? [])
            }
            for waiter in waiters { waiter.resume(returning: now) }
            if first { jobs.yield(.remove(pod)) }
        } else if pod.spec?.nodeName == node, pod.status?.containerStatuses == nil {
            let fresh = state.withLock { $0.handled.insert(uid).inserted }
            if fresh { jobs.yield(.ready(pod)) }
        }
    }

    private func resume(_ uid: String, with value: ContinuousClock.Instant?) {
        let waiters = state.withLock { $0.waiters.removeValue(forKey: uid) ?? [] }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    private func perform(_ job: Job) async {
        do {
            switch job {
            case .ready(let pod):
                let now = KubernetesJSON.formatTimestamp(Date())
                let status = #"""
                    {"status":{"phase":"Running","startTime":"\#(now)","conditions":[
                      {"type":"Initialized","status":"True","lastTransitionTime":"\#(now)"},
                      {"type":"Ready","status":"True","lastTransitionTime":"\#(now)"},
                      {"type":"ContainersReady","status":"True","lastTransitionTime":"\#(now)"},
                      {"type":"PodScheduled","status":"True","lastTransitionTime":"\#(now)"}],
                     "containerStatuses":[{"name":"app","ready":true,"started":true,"restartCount":0,"image":"registry.example/app:1","imageID":"",
                       "state":{"running":{"startedAt":"\#(now)"}}}]}}
                    """#
                _ = try await client.patch(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace, .merge(Array(status.utf8)), subresource: "status")
            case .remove(let pod):
                try await client.delete(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace,
                                        options: DeleteOptions(preconditions: .init(uid: pod.metadata.uid), gracePeriodSeconds: 0))
            }
        } catch let error as KubernetesError where error.reason == .notFound || error.reason == .conflict {
            // Gone already, or replaced under the same name.
        } catch {
            if !Task.isCancelled { FileHandle.standardError.write(Data("kubelet stand-in: \(error)\n".utf8)) }
        }
    }

    /// The status write that makes a pod crash-loop: its container waits in CrashLoopBackOff after 5
    /// restarts, and the pod is not Ready.
    static let crashLoop = #"""
        {"status":{"phase":"Running","conditions":[
          {"type":"Initialized","status":"True"},
          {"type":"Ready","status":"False","reason":"ContainersNotReady"},
          {"type":"ContainersReady","status":"False","reason":"ContainersNotReady"},
          {"type":"PodScheduled","status":"True"}],
         "containerStatuses":[{"name":"app","ready":false,"started":false,"restartCount":5,"image":"registry.example/app:1","imageID":"",
           "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container"}},
           "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}}
        """#
}
