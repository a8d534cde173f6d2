import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import PodSimulator
import ResilienceCore
import ResilienceOperator
import TestSupport
import Testing

/// The ladder's Deployment steps and the operator's replicas, end to end on the real plane with
/// simulated pods.
@Suite struct RecoveryIntegrationTests {
    private func status(_ ns: String, client: KubernetesClient) async -> String {
        let status = try? await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
        return "status: \(status?.phase ?? "-") \(status?.healthy ?? "-"); actions: \(status?.lastActions?.map { "\($0.step) \($0.pod ?? "") \($0.result): \($0.reason)" } ?? [])"
    }

    @Test func aNotReadyPodIsIsolatedTheDeploymentScalesUpAndBackOnceItIsHealthyAgain() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-isolate", client: client) { ns in
                let web = TestSimulation.deployment("web", replicas: 3, gates: [Action.servingGate])
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: web.deployment)
                try await client.send(.POST, "/api/v1/namespaces/\(ns)/services", body: web.service)
                let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"notReadyFor":"1s","for":"2s"},"recovery":{"steps":["isolate","scaleUp"],"stepTimeout":"3s","isolation":"readinessGate","scaleUp":{"maxSurge":1}},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"50%"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                try await OperatorHarness.with(ns, client: client) { _ in
                    // The pods declare the operator's gate: it opens it for each new pod, or none would be Ready.
                    let pods = try await TestSimulation.readyPods(3, in: ns, client: client)
                    let sick = pods[0]
                    let address = try #require(sick.status?.podIP)
                    try await TestSimulation.setFaults("notReady", on: sick.metadata.name!, in: ns, client: client)
                    let isolated = try await eventually("the pod isolated", diagnose: { await status(ns, client: client) }) { () -> Pod? in
                        let pod = try await client.get(Pod.self, name: sick.metadata.name!, namespace: ns)
                        return pod.condition(Action.servingGate)?.status == "False" ? pod : nil
                    }
                    #expect(isolated.metadata.uid == sick.metadata.uid, "isolated, not replaced")
                    let scaled = try await eventually("the Deployment scaled up by maxSurge while the pod is isolated", diagnose: { await status(ns, client: client) }) { () -> Deployment? in
                        let deployment = try await client.get(Deployment.self, name: "web", namespace: ns)
                        return deployment.spec?.replicas == 4 ? deployment : nil
                    }
                    #expect(scaled.spec?.replicas == 4)
                    #expect(try await TestSimulation.endpoints("web", namespace: ns, client: client)[address] != true, "isolated: not a ready endpoint")
                    // The app recovers; the operator releases the pod, then returns to 3 replicas (the ReplicaSet
                    // may remove any pod for that, the released one too).
                    try await TestSimulation.setFaults(nil, on: sick.metadata.name!, in: ns, client: client)
                    // Its containers are Ready again, but for the policy's `for` (2s) the closed gate keeps it out.
                    let gated = try await eventually("the containers Ready behind the closed gate") { () -> Pod? in
                        let pod = try await client.get(Pod.self, name: sick.metadata.name!, namespace: ns)
                        return pod.condition("ContainersReady")?.status == "True" && pod.condition(Action.servingGate)?.status == "False" ? pod : nil
                    }
                    #expect(!gated.isReady)
                    #expect(try await TestSimulation.endpoints("web", namespace: ns, client: client)[address] != true, "out of the Service while isolated")
                    // Refusals (a cooldown holding the scale-down back a moment) may sit between the steps.
                    let actions = try await eventually("the status to list every step", timeout: .seconds(60), diagnose: { await status(ns, client: client) }) { () -> [PolicyStatus.ActionRecord]? in
                        let actions = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.lastActions ?? []
                        let done = actions.filter { $0.result == "succeeded" }
                        return done.count >= 4 ? done : nil
                    }
                    #expect(actions.reversed().map(\.step) == ["isolate", "scaleUp", "release", "scaleDown"], "\(actions.map { "\($0.step): \($0.reason)" })")
                    #expect(actions.first { $0.step == "release" }?.pod == sick.metadata.name)
                    #expect(try await client.get(Deployment.self, name: "web", namespace: ns).spec?.replicas == 3)
                    // The status on the server forgets the scale-up once it is undone (it is written whole, not
                    // merged): a restarted operator or a new leader reads no old replica count to restore.
                    try await eventually("the scale-up gone from the memory on the server", diagnose: { await status(ns, client: client) }) { () -> Bool? in
                        try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.memory?.scaledFrom.isEmpty != false ? true : nil
                    }
                    try await eventually("3 Ready pods, all ready endpoints") { () -> Bool? in
                        let pods = try await client.list(Pod.self, namespace: ns).items.filter { $0.metadata.deletionTimestamp == nil }
                        let endpoints = try await TestSimulation.endpoints("web", namespace: ns, client: client)
                        return pods.count == 3 && pods.allSatisfy(\.isReady) && Set(pods.compactMap(\.status?.podIP)).allSatisfy({ endpoints[$0] == true }) ? true : nil
                    }
                    let events = try await ToldEvents.waitFor("the isolation's and release's Events", in: ns, client: client) { events in
                        events.contains { $0.reason == "Isolated" } && events.contains { $0.reason == "Released" }
                    }
                    #expect(events.contains { $0.involvedObject.uid == sick.metadata.uid && $0.reason == "Isolated" })
                    #expect(events.contains { $0.involvedObject.uid == sick.metadata.uid && $0.reason == "Released" })
                }
            }
        }
    }

    @Test func aRolloutWhoseNewPodsCrashIsRolledBackToThePreviousTemplate() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-rollback", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 3).deployment)
                let before = try await TestSimulation.readyPods(3, in: ns, client: client)
                let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"recovery":{"steps":["rollback"],"stepTimeout":"1m"},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"50%"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                try await OperatorHarness.with(ns, client: client) { _ in
                    // The operator first sees revision 1 complete and healthy, and remembers it.
                    try await eventually("revision 1 remembered as healthy") { () -> Bool? in
                        let memory = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.memory
                        return memory?.revisions.values.contains(.healthy) == true ? true : nil
                    }
                    let bad = #"{"spec":{"template":{"metadata":{"annotations":{"\#(Faults.annotation)":"crashLoop"}}}}}"#
                    _ = try await client.patch(Deployment.self, name: "web", namespace: ns, .merge(Array(bad.utf8)))
                    let action = try await eventually("the rollback in the status", timeout: .seconds(60), diagnose: { await status(ns, client: client) }) { () -> PolicyStatus.ActionRecord? in
                        try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.lastActions?.first { $0.step == "rollback" && $0.result == "succeeded" }
                    }
                    #expect(action.reason.contains("revision 1"), "\(action.reason)")
                    let deployment = String(decoding: try await client.send(.GET, "/apis/apps/v1/namespaces/\(ns)/deployments/web"), as: UTF8.self)
                    #expect(!deployment.contains(Faults.annotation), "the crashing template is gone")
                    let after = try await eventually("3 Ready pods of the good template", timeout: .seconds(60)) { () -> [Pod]? in
                        let pods = try await client.list(Pod.self, namespace: ns).items.filter { $0.metadata.deletionTimestamp == nil }
                        return pods.count == 3 && pods.allSatisfy { $0.isReady && $0.metadata.annotations?[Faults.annotation] == nil } ? pods : nil
                    }
                    let hash = before[0].metadata.labels?["pod-template-hash"]
                    #expect(after.allSatisfy { $0.metadata.labels?["pod-template-hash"] == hash }, "the previous template, as rollout undo puts it back")
                    let memory = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.memory
                    #expect(memory?.revisions.values.contains(.unhealthy) == true, "never rolled back to again")
                }
            }
        }
    }

    @Test func twoReplicasNeverActTwiceAndTheSecondCarriesOnWhereTheFirstStopped() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-replicas", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 3).deployment)
                let pods = try await TestSimulation.readyPods(3, in: ns, client: client)
                let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","maxUnhealthy":"50%","maxActions":{"count":5,"window":"1h"}}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                func replica(_ name: String) -> Task<Void, any Error> {
                    var configuration = ResilienceOperator.Configuration(namespace: ns, instance: name)
                    var election = LeaderElector<ContinuousClock>.Configuration(leaseName: "resilience-operator", namespace: ns, identity: name)
                    election.leaseDuration = .seconds(4)
                    election.renewDeadline = .seconds(3)
                    election.retryPeriod = .milliseconds(500)
                    configuration.leaderElection = election
                    let service = ResilienceOperator(client: client, configuration: configuration, logger: Logger(label: name))
                    return Task { try await service.run() }
                }
                let replicas = ["replica-a": replica("replica-a"), "replica-b": replica("replica-b")]
                defer { replicas.values.forEach { $0.cancel() } }
                _ = try await eventually("a leader") { try await client.get(Lease.self, name: "resilience-operator", namespace: ns).spec.holderIdentity.flatMap { $0.isEmpty ? nil : $0 } }
                try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
                try await eventually("the first pod evicted", timeout: .seconds(60), diagnose: { await status(ns, client: client) }) { () -> Bool? in
                    try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.lastActions?.contains { $0.pod == pods[0].metadata.name && $0.result == "succeeded" } == true ? true : nil
                }
                // The leader is the replica that acted, as its Event says: under load the first holder of the Lease
                // can lose it to the other before the fault, so the holder seen earlier is not necessarily the one.
                let leader = try await eventually("the first restart's Event", timeout: .seconds(20)) { () -> String? in
                    try await client.list(Event.self, namespace: ns).items.first { $0.reason == "Restarted" && $0.involvedObject.uid == pods[0].metadata.uid }?.reportingInstance
                }
                // The leader steps down (SIGTERM): it releases the lease, and the other replica takes over.
                replicas[leader]?.cancel()
                _ = await replicas[leader]?.result
                let successor = try await eventually("the other replica to lead") { () -> String? in
                    let holder = try await client.get(Lease.self, name: "resilience-operator", namespace: ns).spec.holderIdentity
                    return holder != nil && holder != leader && holder != "" ? holder : nil
                }
                try await TestSimulation.setFaults("crashLoop", on: pods[1].metadata.name!, in: ns, client: client)
                let final = try await eventually("the second pod evicted by the successor", timeout: .seconds(60), diagnose: { await status(ns, client: client) }) { () -> PolicyStatus? in
                    let status = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
                    return status?.lastActions?.contains { $0.pod == pods[1].metadata.name && $0.result == "succeeded" } == true ? status : nil
                }
                // The successor started from the memory in the status: the first eviction is still there and
                // still counts against the budget.
                #expect(final.lastActions?.filter { $0.result == "succeeded" }.compactMap(\.pod).sorted() == [pods[0].metadata.name!, pods[1].metadata.name!].sorted())
                #expect(final.budget?.used == 2)
                // Events are told after the action, off its path: wait for both, then check there is one each.
                let events = try await eventually("an Event for each restart", timeout: .seconds(20)) { () -> [Event]? in
                    let restarted = try await client.list(Event.self, namespace: ns).items.filter { $0.reason == "Restarted" }
                    return pods.prefix(2).allSatisfy { pod in restarted.contains { $0.involvedObject.uid == pod.metadata.uid } } ? restarted : nil
                }
                for pod in pods.prefix(2) {
                    #expect(events.filter { $0.involvedObject.uid == pod.metadata.uid }.map { $0.count ?? 1 }.reduce(0, +) == 1, "restarted once: \(events.map { "\($0.involvedObject.name ?? "") by \($0.reportingInstance ?? "")" })")
                }
                #expect(Set(events.compactMap(\.reportingInstance)) == [leader, successor], "each pod restarted by the replica that led at the time")
            }
        }
    }
}
