import Foundation
import KubernetesAPI
import KubernetesClient
import PodSimulator
import ResilienceCore
import ResilienceOperator
import TestSupport
import Testing

/// Every executor against the real plane, with simulated pods: done, found done, or refused, never twice.
@Suite struct ActionExecutorIntegrationTests {
    private func setUp(_ ns: String, client: KubernetesClient, replicas: Int = 2, gates: [String] = []) async throws -> (ActionExecutor, [Pod]) {
        let policyVersion = try await client.servedVersions().first(of: ["policy/v1", "policy/v1beta1"]) ?? "policy/v1"
        let objects = TestSimulation.deployment("web", replicas: replicas, gates: gates)
        try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: objects.deployment)
        try await client.send(.POST, "/api/v1/namespaces/\(ns)/services", body: objects.service)
        let pods = try await eventually("\(replicas) running pods") { () -> [Pod]? in
            let pods = try await client.list(Pod.self, namespace: ns).items
            return pods.count == replicas && pods.allSatisfy({ $0.status?.phase == "Running" && (gates.isEmpty ? $0.isReady : true) }) ? pods : nil
        }
        return (ActionExecutor(client: client, policyVersion: policyVersion), pods)
    }

    private func run(_ body: @escaping @Sendable (KubernetesClient, String) async throws -> Void) async throws {
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("exec", client: client) { ns in try await body(client, ns) }
        }
    }

    @Test func evictionReplacesThePodAndARepeatFindsItDone() async throws {
        try await run { client, ns in
            let (executor, pods) = try await setUp(ns, client: client)
            let pod = pods[0]
            let action = Action.restartPod(pod: pod.metadata.name!, uid: pod.metadata.uid!, evict: true)
            #expect(await executor.execute(action, workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .done("evicted pod \(pod.metadata.name!)"))
            try await eventually("a Ready replacement") { () -> Bool? in
                let now = try await client.list(Pod.self, namespace: ns).items
                return now.count == 2 && !now.contains { $0.metadata.uid == pod.metadata.uid } && now.allSatisfy(\.isReady) ? true : nil
            }
            #expect(await executor.execute(action, workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .done("pod \(pod.metadata.name!) is already gone"))
        }
    }

    @Test func aDisruptionBudgetBlocksTheEvictionAndNamesItself() async throws {
        try await run { client, ns in
            let (executor, pods) = try await setUp(ns, client: client)
            let version = try await client.servedVersions().first(of: ["policy/v1", "policy/v1beta1"]) ?? "policy/v1"
            try await client.send(.POST, "/apis/\(version)/namespaces/\(ns)/poddisruptionbudgets", body: Array(#"""
                {"apiVersion":"\#(version)","kind":"PodDisruptionBudget","metadata":{"name":"web-pdb"},"spec":{"minAvailable":2,"selector":{"matchLabels":{"app":"web"}}}}
                """#.utf8))
            try await eventually("the budget to count two healthy pods") { () -> Bool? in
                String(decoding: try await client.send(.GET, "/apis/\(version)/namespaces/\(ns)/poddisruptionbudgets/web-pdb"), as: UTF8.self)
                    .contains(#""currentHealthy":2"#) ? true : nil
            }
            let pod = pods[0]
            let outcome = await executor.execute(.restartPod(pod: pod.metadata.name!, uid: pod.metadata.uid!, evict: true), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test")
            guard case .blocked(let why) = outcome else { Issue.record("\(outcome)"); return }
            #expect(why.contains("disruption budget"), "\(why)")
            #expect(try await client.get(Pod.self, name: pod.metadata.name!, namespace: ns).metadata.deletionTimestamp == nil)
        }
    }

    @Test func aDeleteNeverHitsAPodRecreatedUnderTheSameName() async throws {
        try await run { client, ns in
            let (executor, _) = try await setUp(ns, client: client, replicas: 1)
            let bare = Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"registry.example/p:1"}]}}"#.utf8)
            try await client.send(.POST, Pod.path(namespace: ns), body: bare)
            let first = try await client.get(Pod.self, name: "p", namespace: ns)
            try await client.delete(Pod.self, name: "p", namespace: ns, options: DeleteOptions(gracePeriodSeconds: 0))
            try await eventually("p gone") { () -> Bool? in (try? await client.get(Pod.self, name: "p", namespace: ns)) == nil ? true : nil }
            try await client.send(.POST, Pod.path(namespace: ns), body: bare)
            let outcome = await executor.execute(.restartPod(pod: "p", uid: first.metadata.uid!, evict: false), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test")
            #expect(outcome == .done("pod p was already replaced (another pod has its name now)"))
            #expect(try await client.get(Pod.self, name: "p", namespace: ns).metadata.deletionTimestamp == nil)
        }
    }

    @Test func isolationByReadinessGateTakesThePodOutOfTheEndpoints() async throws {
        try await run { client, ns in
            let (executor, pods) = try await setUp(ns, client: client, gates: [ActionExecutor.servingGate])
            let open = #"{"status":{"conditions":[{"type":"\#(ActionExecutor.servingGate)","status":"True"}]}}"#
            for pod in pods {
                _ = try await client.patch(Pod.self, name: pod.metadata.name!, namespace: ns, .strategicMerge(Array(open.utf8)), subresource: "status")
            }
            try await eventually("both pods ready in the endpoints") { () -> Bool? in
                let endpoints = try await TestSimulation.endpoints("web", namespace: ns, client: client)
                return endpoints.count == 2 && endpoints.values.allSatisfy({ $0 }) ? true : nil
            }
            let pod = pods[0]
            let action = Action.isolate(pod: pod.metadata.name!, uid: pod.metadata.uid!, mode: "readinessGate")
            #expect(await executor.execute(action, workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "probe failed 3 times") == .done("isolated pod \(pod.metadata.name!): readiness gate resilience.dev/serving is False"))
            try await eventually("the isolated pod not ready in the endpoints") { () -> Bool? in
                let endpoints = try await TestSimulation.endpoints("web", namespace: ns, client: client)
                return endpoints[pod.status!.podIP!] == false && endpoints[pods[1].status!.podIP!] == true ? true : nil
            }
            let isolated = try await client.get(Pod.self, name: pod.metadata.name!, namespace: ns)
            #expect(isolated.condition(ActionExecutor.servingGate)?.message == "probe failed 3 times")
            #expect(await executor.execute(action, workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "again") == .done("pod \(pod.metadata.name!) is already isolated"))
            // A release opens the gate; a second one (planned before the first was seen) changes nothing and says so.
            let release = Action.release(pod: pod.metadata.name!, uid: pod.metadata.uid!)
            #expect(await executor.execute(release, workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "healthy") == .done("released pod \(pod.metadata.name!): readiness gate resilience.dev/serving is True"))
            #expect(await executor.execute(release, workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "healthy") == .unchanged("pod \(pod.metadata.name!) is serving already"))
        }
    }

    @Test func quarantineKeepsThePodOutsideItsReplicaSetWhichReplacesIt() async throws {
        try await run { client, ns in
            let (executor, pods) = try await setUp(ns, client: client)
            let pod = pods[0]
            // A second Service selects the pod by a label its ReplicaSet does not use: quarantine removes it too.
            _ = try await client.patch(Pod.self, name: pod.metadata.name!, namespace: ns, .merge(Array(#"{"metadata":{"labels":{"tier":"front"}}}"#.utf8)))
            try await client.send(.POST, "/api/v1/namespaces/\(ns)/services", body: Array(#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"front"},"spec":{"selector":{"tier":"front"},"ports":[{"port":80}]}}"#.utf8))
            let outcome = await executor.execute(.isolate(pod: pod.metadata.name!, uid: pod.metadata.uid!, mode: "quarantine"), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "crash loop", serviceLabels: ["tier"])
            guard case .done = outcome else { Issue.record("\(outcome)"); return }
            let kept = try await client.get(Pod.self, name: pod.metadata.name!, namespace: ns)
            #expect(kept.metadata.labels?["app"] == nil)
            #expect(kept.metadata.labels?["tier"] == nil)
            #expect(try await client.get(Service.self, name: "front", namespace: ns).selects(kept.metadata.labels) == false)
            #expect(try await client.get(Service.self, name: "web", namespace: ns).selects(pod.metadata.labels), "Service.selects reads the selector as the API serves it")
            #expect(kept.metadata.labels?[ActionExecutor.quarantinedLabel] == "true")
            #expect(kept.metadata.annotations?[ActionExecutor.quarantineReasonAnnotation] == "crash loop")
            #expect(kept.metadata.annotations?[ActionExecutor.quarantinedLabelsAnnotation]?.contains(#""app":"web""#) == true)
            try await eventually("the ReplicaSet to replace it and release it") { () -> Bool? in
                let now = try await client.list(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=web")).items
                let released = try await client.get(Pod.self, name: pod.metadata.name!, namespace: ns).metadata.controllerReference == nil
                return now.count == 2 && now.allSatisfy(\.isReady) && released ? true : nil
            }
        }
    }

    @Test func scalingComparesAndSwapsAndGoesBack() async throws {
        try await run { client, ns in
            let (executor, _) = try await setUp(ns, client: client)
            #expect(await executor.execute(.scale(from: 2, to: 3), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .done("scaled web from 2 to 3 replicas"))
            #expect(await executor.execute(.scale(from: 2, to: 3), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .done("web already has 3 replicas"))
            #expect(await executor.execute(.scale(from: 5, to: 6), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .blocked("web has 3 replicas, not the 5 planned from: someone else scaled it"))
            #expect(await executor.execute(.scale(from: 3, to: 2), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .done("scaled web from 3 to 2 replicas"))
        }
    }

    @Test func anAutoscalersMinimumMovesOnlyFromWhatWasPlanned() async throws {
        try await run { client, ns in
            let (executor, _) = try await setUp(ns, client: client)
            try await client.send(.POST, "/apis/autoscaling/v1/namespaces/\(ns)/horizontalpodautoscalers", body: Array(#"""
                {"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
                 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":6}}
                """#.utf8))
            #expect(await executor.execute(.setAutoscalerMinimum(autoscaler: "web", from: 2, to: 3), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .done("set minReplicas of HPA web from 2 to 3"))
            #expect(await executor.execute(.setAutoscalerMinimum(autoscaler: "web", from: 2, to: 3), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .done("HPA web already has minReplicas 3"))
            #expect(await executor.execute(.setAutoscalerMinimum(autoscaler: "web", from: 4, to: 5), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test") == .blocked("HPA web has minReplicas 3, not the 4 planned from"))
        }
    }

    @Test func rolloutRestartAndRollbackAsKubectlDoes() async throws {
        try await run { client, ns in
            let (executor, _) = try await setUp(ns, client: client)
            let outcome = await executor.execute(.rolloutRestart, workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test")
            guard case .done = outcome else { Issue.record("\(outcome)"); return }
            let raw = String(decoding: try await client.send(.GET, Deployment.path(namespace: ns, name: "web")), as: UTF8.self)
            #expect(raw.contains("kubectl.kubernetes.io/restartedAt"))
            // The controller must see the restart before the next change, or it makes one revision of both.
            try await eventually("revision 2, the restart") { () -> Bool? in
                try await client.list(ReplicaSet.self, namespace: ns).items.contains { $0.revision == 2 } ? true : nil
            }
            try await plane(client).kubectl(["-n", ns, "set", "image", "deployment/web", "app=registry.example/web:2"])
            let first = try await eventually("revision 1 and 3") { () -> ReplicaSet? in
                let sets = try await client.list(ReplicaSet.self, namespace: ns).items
                return sets.contains(where: { $0.revision == 3 }) ? sets.first { $0.revision == 1 } : nil
            }
            let judged = try #require(try await client.list(ReplicaSet.self, namespace: ns).items.first { $0.revision == 3 })
            // On-call rolls forward after revision 3 was judged unhealthy: the rollback would undo them.
            try await plane(client).kubectl(["-n", ns, "set", "image", "deployment/web", "app=registry.example/web:4"])
            let refused = await executor.execute(.rollback(replicaSet: first.metadata.name!, revision: 1, from: judged.metadata.uid!), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test", judged: judged.metadata.name)
            guard case .blocked(let why) = refused else { Issue.record("\(refused)"); return }
            #expect(why.contains("no longer that of \(judged.metadata.name!)"), "\(why)")
            #expect(String(decoding: try await client.send(.GET, Deployment.path(namespace: ns, name: "web")), as: UTF8.self).contains("registry.example/web:4"))
            // Judged on what it is now, the rollback goes through.
            let fourth = try await eventually("revision 4") { try await client.list(ReplicaSet.self, namespace: ns).items.first { $0.revision == 4 } }
            #expect(await executor.execute(.rollback(replicaSet: first.metadata.name!, revision: 1, from: fourth.metadata.uid!), workload: WorkloadKey(kind: .deployment, namespace: ns, name: "web"), reason: "test", judged: fourth.metadata.name)
                    == .done("rolled Deployment web back to revision 1 (the template of \(first.metadata.name!))"))
            let template = String(decoding: try await client.send(.GET, Deployment.path(namespace: ns, name: "web")), as: UTF8.self)
            #expect(template.contains("registry.example/web:1"))
            #expect(!template.contains("registry.example/web:2") && !template.contains("registry.example/web:4"))
            #expect(!template.contains("restartedAt"), "revision 1's template had no restart annotation")
        }
    }

    /// A StatefulSet rolls and rolls back as `kubectl rollout restart` and `undo` do for StatefulSets: the
    /// restart annotation in its template, then the template of an earlier ControllerRevision (its data,
    /// without the patch directive), but only while the template is still the one judged unhealthy.
    @Test func aStatefulSetRestartsAndRollsBackToAControllerRevision() async throws {
        try await run { client, ns in
            let policyVersion = try await client.servedVersions().first(of: ["policy/v1", "policy/v1beta1"]) ?? "policy/v1"
            let executor = ActionExecutor(client: client, policyVersion: policyVersion)
            let db = TestSimulation.statefulSet("db", replicas: 2)
            try await client.send(.POST, "/api/v1/namespaces/\(ns)/services", body: db.service)
            try await client.send(.POST, StatefulSet.path(namespace: ns), body: db.statefulSet)
            _ = try await TestSimulation.readyPods(2, in: ns, selector: "app=db", timeout: .seconds(180), client: client)
            let workload = WorkloadKey(kind: .statefulSet, namespace: ns, name: "db")
            let raw = { String(decoding: try await client.send(.GET, StatefulSet.path(namespace: ns, name: "db")), as: UTF8.self) }
            let outcome = await executor.execute(.rolloutRestart, workload: workload, reason: "test")
            guard case .done(let what) = outcome else { Issue.record("\(outcome)"); return }
            #expect(what.hasPrefix("restarted StatefulSet db (kubectl.kubernetes.io/restartedAt="), "\(what)")
            #expect(try await raw().contains("kubectl.kubernetes.io/restartedAt"))
            let revisions = { try await client.list(ControllerRevision.self, namespace: ns).items.sorted { $0.revision < $1.revision } }
            let restarted = try await eventually("revision 2, the restart") { () -> ControllerRevision? in try await revisions().first { $0.revision == 2 } }
            try await plane(client).kubectl(["-n", ns, "set", "image", "statefulset/db", "app=registry.example/db:3"])
            let third = try await eventually("revision 3") { () -> ControllerRevision? in try await revisions().first { $0.revision == 3 } }
            // Judged on revision 2, but the template is revision 3's now: someone changed it since.
            let refused = await executor.execute(.rollback(replicaSet: restarted.metadata.name!, revision: 2, from: restarted.metadata.uid!), workload: workload, reason: "test", judged: restarted.metadata.name)
            guard case .blocked(let why) = refused else { Issue.record("\(refused)"); return }
            #expect(why.contains("no longer that of \(restarted.metadata.name!)"), "\(why)")
            let first = try #require(try await revisions().first { $0.revision == 1 })
            #expect(await executor.execute(.rollback(replicaSet: first.metadata.name!, revision: 1, from: third.metadata.uid!), workload: workload, reason: "test", judged: third.metadata.name)
                    == .done("rolled StatefulSet db back to revision 1 (the template of \(first.metadata.name!))"))
            let template = try await raw()
            #expect(template.contains("registry.example/db:1") && !template.contains("registry.example/db:3"))
            #expect(!template.contains("restartedAt"), "revision 1's template had no restart annotation")
            #expect(!template.contains("$patch"), "the ControllerRevision's patch directive stays out of the template")
            #expect(await executor.execute(.rollback(replicaSet: first.metadata.name!, revision: 1, from: third.metadata.uid!), workload: workload, reason: "test", judged: third.metadata.name)
                    == .done("db already has the template of revision 1"))
            // The StatefulSet controller takes the template back: revision 1's hash is the update revision again.
            try await eventually("the update revision back at revision 1's template") { () -> Bool? in
                try await client.get(StatefulSet.self, name: "db", namespace: ns).status?.updateRevision == first.metadata.name ? true : nil
            }
        }
    }

    private func plane(_ client: KubernetesClient) async throws -> LocalControlPlane {
        try await TestSimulation.shared().plane
    }
}
