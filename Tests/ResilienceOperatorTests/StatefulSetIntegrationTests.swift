import Foundation
import KubernetesAPI
import KubernetesClient
import PodSimulator
import ResilienceCore
import ResilienceOperator
import Synchronization
import TestSupport
import Testing

/// A StatefulSet target against the real plane, the StatefulSet controller and simulated pods, with the
/// operator running: its sick pods are restarted one at a time, in the order its controller can replace
/// them (OrderedReady: the lowest ordinal first), and never two of its pods are disrupted at once.
@Suite struct StatefulSetIntegrationTests {
    /// What a watch on the StatefulSet's pods saw: the most pods disrupted at one moment (deleted, or
    /// replaced and not yet Ready), and the order in which pods were first deleted.
    private final class Disruptions: Sendable {
        private struct State {
            var original: [String: String] = [:]
            var current: [String: Pod] = [:]
            var most = 0
            var deleted: [String] = []
        }
        private let state = Mutex(State())

        init(_ pods: [Pod]) {
            state.withLock { state in
                for pod in pods {
                    state.original[pod.metadata.name!] = pod.metadata.uid!
                    state.current[pod.metadata.name!] = pod
                }
            }
        }

        func saw(_ event: WatchEvent<Pod>) {
            state.withLock { state in
                switch event {
                case .added(let pod), .modified(let pod):
                    state.current[pod.metadata.name!] = pod
                    if pod.metadata.deletionTimestamp != nil, !state.deleted.contains(pod.metadata.name!) { state.deleted.append(pod.metadata.name!) }
                case .deleted(let pod):
                    if state.current[pod.metadata.name!]?.metadata.uid == pod.metadata.uid { state.current[pod.metadata.name!] = nil }
                    if !state.deleted.contains(pod.metadata.name!) { state.deleted.append(pod.metadata.name!) }
                case .bookmark, .error:
                    return
                }
                let down = state.original.filter { name, uid in
                    guard let pod = state.current[name] else { return true }
                    return pod.metadata.deletionTimestamp != nil || (pod.metadata.uid != uid && !pod.isReady)
                }
                state.most = max(state.most, down.count)
            }
        }

        var most: Int { state.withLock { $0.most } }
        var deleted: [String] { state.withLock { $0.deleted } }
    }

    @Test func twoCrashLoopingPodsOfThreeAreRecoveredOneAtATime() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        // maxInFlight would allow both at once: the StatefulSet's quorum pacing is what holds the second.
        // A crash-looping container runs for a moment between its back-offs: the restarts rule keeps such a
        // pod unhealthy then too, so that the operator's first plan sees both pods sick, whatever the moment.
        let spec = #"{"targetRef":{"kind":"StatefulSet","name":"db"},"health":{"waitingReasons":["CrashLoopBackOff"],"restarts":{"limit":2,"window":"10m"}},"recovery":{"steps":["restartPod"],"stepTimeout":"5m"},"safety":{"cooldown":"1s","maxInFlight":3,"minHealthy":0,"maxUnhealthy":"100%"}}"#
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sts-quorum", client: client) { ns in
                let db = TestSimulation.statefulSet("db", replicas: 3)
                try await client.send(.POST, "/api/v1/namespaces/\(ns)/services", body: db.service)
                try await client.send(.POST, StatefulSet.path(namespace: ns), body: db.statefulSet)
                let pods = try await TestSimulation.readyPods(3, in: ns, selector: "app=db", timeout: .seconds(180), client: client)
                #expect(pods.map { $0.metadata.name! }.sorted() == ["db-0", "db-1", "db-2"])
                let disruptions = Disruptions(pods)
                let version = try await client.list(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=db")).metadata.resourceVersion
                let watching = Task {
                    for try await event in client.watch(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=db", resourceVersion: version), timeoutSeconds: 300) {
                        disruptions.saw(event)
                    }
                }
                defer { watching.cancel() }
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "db", spec: spec))
                try await TestSimulation.setFaults("crashLoop", on: "db-1", in: ns, client: client)
                try await TestSimulation.setFaults("crashLoop", on: "db-2", in: ns, client: client)
                // Both have restarted more than the rule's limit before the operator starts, so that its first
                // plan sees both and takes the lowest first (started earlier, it would restart whichever the
                // simulator failed first, alone).
                _ = try await eventually("db-1 and db-2 restarted 3 times") { () -> Bool? in
                    let looping = try await client.list(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=db")).items
                        .filter { ($0.status?.containerStatuses?.first?.restartCount ?? 0) > 2 }
                        .compactMap(\.metadata.name)
                    return Set(looping) == ["db-1", "db-2"] ? true : nil
                }
                // `plan` shows the StatefulSet as it shows a Deployment, under its own key.
                let plan = try await ProcessRunner.run(try LocalControlPlane.operatorExecutable(), ["plan", "--kubeconfig", plane.kubeconfigPath, "-n", ns, "db"])
                #expect(plan.exitCode == 0, "\(plan.output)")
                #expect(plan.output.contains("statefulset \(ns)/db: "), "\(plan.output)")
                #expect(plan.output.contains("pod db-0: healthy"), "\(plan.output)")
                try await OperatorHarness.with(ns, client: client) { _ in
                    let recovered = try await eventually("db-1 and db-2 replaced by Ready pods", timeout: .seconds(90), diagnose: {
                        let status = try? await client.get(ResiliencePolicy.self, name: "db", namespace: ns).status
                        return "\(status?.lastActions?.map { "\($0.step) \($0.pod ?? "") \($0.result): \($0.reason)" } ?? [])"
                    }) { () -> [Pod]? in
                        let now = try await client.list(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=db")).items.filter { $0.metadata.deletionTimestamp == nil }
                        let uids = Dictionary(uniqueKeysWithValues: pods.map { ($0.metadata.name!, $0.metadata.uid!) })
                        let replaced = now.filter { ["db-1", "db-2"].contains($0.metadata.name!) && $0.metadata.uid != uids[$0.metadata.name!] && $0.isReady }
                        return now.count == 3 && now.allSatisfy(\.isReady) && replaced.count == 2 ? now : nil
                    }
                    #expect(recovered.first { $0.metadata.name == "db-0" }?.metadata.uid == pods.first { $0.metadata.name == "db-0" }?.metadata.uid, "the healthy pod is left alone")
                    #expect(disruptions.deleted == ["db-1", "db-2"], "the lowest ordinal first (OrderedReady), one at a time")
                    #expect(disruptions.most == 1, "never two pods of the StatefulSet disrupted at once")
                    // The status is written off the action's path: it may land a moment later.
                    let actions = try await eventually("both restarts in the status") { () -> [PolicyStatus.ActionRecord]? in
                        let actions = try await client.get(ResiliencePolicy.self, name: "db", namespace: ns).status?.lastActions ?? []
                        return actions.filter { $0.step == "restartPod" && $0.result == "succeeded" }.count == 2 ? actions : nil
                    }
                    let waited = actions.first { $0.result == "blocked" && $0.pod == "db-2" }
                    #expect(waited?.reason.contains("a StatefulSet's pods are disrupted one at a time") == true, "\(actions.map { "\($0.step) \($0.pod ?? "") \($0.result): \($0.reason)" })")
                    _ = try await ToldEvents.waitFor("the restarts told on the StatefulSet", in: ns, client: client) { events in
                        events.filter { $0.involvedObject.kind == "StatefulSet" && $0.involvedObject.name == "db" && $0.reason == "ResilienceRestartPod" }.count == 2
                    }
                }
            }
        }
    }
}
