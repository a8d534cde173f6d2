import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubernetesAPI
import KubernetesClient
import PodSimulator
import ResilienceCore
import ResilienceOperator
import TestSupport
import Testing

/// The scenarios that found the safety defects, each against the real plane with simulated pods and the
/// operator running: it never makes things worse, never gets stuck, and never undoes people.
@Suite struct SafetyScenarioTests {
    /// Restarts on two restarts in ten minutes, one disruption at a time, no share limits.
    private static let restarts = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","maxInFlight":1,"minHealthy":0,"maxUnhealthy":"100%"}}"#
    /// Isolates a pod not Ready for a second, then adds a replica for it.
    private static let isolateThenScale = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"notReadyFor":"1s","for":"2s"},"recovery":{"steps":["isolate","scaleUp"],"stepTimeout":"3s","isolation":"readinessGate","scaleUp":{"maxSurge":1}},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"50%"}}"#

    /// A Deployment `web` of `replicas` Ready pods (declaring the serving gate when `gated`) and the
    /// policies `policies` (name, spec: created in this order) in a fresh namespace, then `prepare`, then
    /// the operator running on it around `body`.
    private func scenario(
        _ prefix: String, replicas: Int = 3, gated: Bool = false, policies: [(String, String)],
        configure: (inout ResilienceOperator.Configuration) -> Void = { _ in },
        prepare: (KubernetesClient, String) async throws -> Void = { _, _ in }, _ body: (KubernetesClient, String, [Pod]) async throws -> Void
    ) async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace(prefix, client: client) { ns in
                let web = TestSimulation.deployment("web", replicas: replicas, gates: gated ? [Action.servingGate] : [])
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: web.deployment)
                try await client.send(.POST, "/api/v1/namespaces/\(ns)/services", body: web.service)
                for (name, spec) in policies {
                    try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: name, spec: spec))
                }
                try await prepare(client, ns)
                try await OperatorHarness.with(ns, client: client, configure: configure) { _ in
                    try await body(client, ns, try await TestSimulation.readyPods(replicas, in: ns, client: client))
                }
            }
        }
    }

    private func status(of name: String = "web", in ns: String, client: KubernetesClient) async throws -> PolicyStatus? {
        try await client.get(ResiliencePolicy.self, name: name, namespace: ns).status
    }

    /// The policy's `status.memory` on the server, as JSON: what the operator wrote, not what it reads.
    private func memoryOnServer(in ns: String, client: KubernetesClient) async throws -> [String: Any]? {
        let policy = try JSONSerialization.jsonObject(with: Data(try await client.send(.GET, "\(ResiliencePolicy.path(namespace: ns))/web"))) as? [String: Any]
        return (policy?["status"] as? [String: Any])?["memory"] as? [String: Any]
    }

    private func described(_ ns: String, client: KubernetesClient, policy: String = "web") async -> String {
        let status = try? await status(of: policy, in: ns, client: client)
        return "\(status?.phase ?? "-") \(status?.conditions?.map { "\($0.type)=\($0.status) \($0.reason): \($0.message)" } ?? []); "
            + "actions: \(status?.lastActions?.map { "\($0.step) \($0.pod ?? "") \($0.result): \($0.reason)" } ?? [])"
    }

    /// A pod evicted on a node that stopped answering stays Terminating; its Ready replacement settles the
    /// disruption, so the next crash-looping pod of the Deployment is recovered all the same.
    @Test func aPodStuckTerminatingDoesNotHoldItsDeployment() async throws {
        try await scenario("safe-stuck", policies: [("web", Self.restarts)]) { client, ns, pods in
            let (first, second) = (pods[0], pods[1])
            try await TestSimulation.setFaults("crashLoop,stuckTerminating", on: first.metadata.name!, in: ns, client: client)
            try await eventually("the first pod evicted, Terminating, and replaced by a Ready pod", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                let now = try await client.list(Pod.self, namespace: ns).items
                let stuck = now.first { $0.metadata.uid == first.metadata.uid }?.metadata.deletionTimestamp != nil
                let serving = now.filter { $0.metadata.deletionTimestamp == nil }
                return stuck && serving.count == 3 && serving.allSatisfy(\.isReady) ? true : nil
            }
            try await TestSimulation.setFaults("crashLoop", on: second.metadata.name!, in: ns, client: client)
            try await eventually("the second pod evicted while the first is still Terminating", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                try await client.get(Pod.self, name: second.metadata.name!, namespace: ns).metadata.deletionTimestamp != nil ? true : nil
            }
            #expect(try await client.get(Pod.self, name: first.metadata.name!, namespace: ns).metadata.deletionTimestamp != nil, "still Terminating")
        }
    }

    /// A memory line the operator cannot read (edited by hand, or written by a later version) costs that
    /// line, not the memory: the action the other line remembers still spends the budget, so the next
    /// crash loop is refused. What was not read is named, and the status is written anew without it.
    @Test func aMemoryLineItCannotReadIsNamedAndTheRestStillSpendsTheBudget() async throws {
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","maxInFlight":1,"minHealthy":0,"maxUnhealthy":"100%","maxActions":{"count":1,"window":"1h"}}}"#
        let when = KubernetesJSON.formatTimestamp(Date().addingTimeInterval(-120))
        var lines: [String] = []
        try await scenario("unread", policies: [("web", spec)], prepare: { client, ns in
            lines = [
                "\(when) \(ns)/web restartPod ok \(when) uid-new restartPod web-gone-1 uid-1 evict",
                "\(when) \(ns)/web restartPod ok \(when) uid-new teleport web-gone-2 uid-2",
            ]
            let status = try JSONSerialization.data(withJSONObject: ["status": ["memory": ["done": lines]]])
            _ = try await client.patch(ResiliencePolicy.self, name: "web", namespace: ns, .merge(Array(status)), subresource: "status")
        }) { client, ns, pods in
            let told = try await eventually("the Event naming what was not read") { () -> Event? in
                try await client.list(Event.self, namespace: ns).items.first { $0.reason == "StatusUnreadable" }
            }
            #expect(told.involvedObject.kind == "ResiliencePolicy" && told.involvedObject.name == "web" && told.type == "Warning")
            #expect(told.message?.contains("status.memory.done[1]: '\(lines[1])' is not a remembered action") == true, "\(told.message ?? "")")
            // Written anew: the line read is kept, the other is gone, and the budget is spent.
            let written = try await eventually("the status written anew", diagnose: { await described(ns, client: client) }) { () -> [String]? in
                // The prepared status has no budget: one with a budget is the operator's.
                guard try await status(in: ns, client: client)?.budget != nil else { return nil }
                return try await memoryOnServer(in: ns, client: client)?["done"] as? [String] ?? []
            }
            #expect(written == [lines[0]])
            #expect(try await status(in: ns, client: client)?.budget?.remaining == 0)
            // The next crash loop is refused by the budget the remembered action spent.
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            let refused = try await eventually("the restart refused", diagnose: { await described(ns, client: client) }) { () -> PolicyStatus.ActionRecord? in
                try await status(in: ns, client: client)?.lastActions?.first { $0.result == "blocked" && $0.pod == pods[0].metadata.name }
            }
            #expect(refused.reason.contains("the action budget is spent: 1 of 1"), "\(refused.reason)")
            #expect(try await client.get(Pod.self, name: pods[0].metadata.name!, namespace: ns).metadata.deletionTimestamp == nil, "not restarted")
        }
    }

    /// A status the last term wrote in full, then given a line this version cannot read: the next term
    /// plans the same status, and writes it anew all the same, without the line.
    @Test func aStatusWithALineItCannotReadIsWrittenAgainWithoutIt() async throws {
        let spoiled = "2026-12-07T01:00:00.000Z x/web restartPod ok - - teleport web-1 uid-1"
        try await scenario("rewrite", policies: [("web", Self.restarts)], prepare: { client, ns in
            try await OperatorHarness.with(ns, client: client) { _ in
                _ = try await eventually("a term's status with every pod healthy", diagnose: { await described(ns, client: client) }) { () -> Bool? in
                    try await status(in: ns, client: client)?.pods?.healthy == 3 ? true : nil
                }
            }
            let edited = try JSONSerialization.data(withJSONObject: ["status": ["memory": ["done": [spoiled]]]])
            _ = try await client.patch(ResiliencePolicy.self, name: "web", namespace: ns, .merge(Array(edited)), subresource: "status")
        }) { client, ns, _ in
            try await eventually("the status written anew without the line", diagnose: { await described(ns, client: client) }) { () -> Bool? in
                let memory = try await memoryOnServer(in: ns, client: client)
                return memory != nil && memory?["done"] == nil ? true : nil
            }
        }
    }

    /// An isolation by readiness gate on pods without the gate fails every time: it is tried again for a
    /// stepTimeout, then the ladder ends in an alert for a human, and the attempts stop.
    @Test func aStepThatKeepsFailingEndsInAnAlertAndStops() async throws {
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"recovery":{"steps":["isolate"],"stepTimeout":"3s"},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%"}}"#
        try await scenario("safe-failing", policies: [("web", spec)]) { client, ns, pods in
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            let events = try await ToldEvents.waitFor("the ladder's alert", in: ns, client: client, timeout: .seconds(60)) { events in
                events.contains { $0.reason == "Alert" && $0.message?.contains("needs a human") == true }
            }
            #expect(events.contains { $0.reason == "ActionFailed" && $0.message?.contains("has no readiness gate") == true })
            // The status that records the ladder's end (the episode past its one step) holds every attempt
            // before it: a status goes out a settle after the reconcile that made it.
            let attempts = try await eventually("the ladder's end and the failed attempts in the memory") { () -> [RemediationHistory.ActionRecord]? in
                guard let memory = try await status(in: ns, client: client)?.memory, memory.episodes.values.contains(where: { $0.step >= 1 }) else { return nil }
                return memory.actions.filter { !$0.succeeded }
            }
            #expect(!attempts.isEmpty && attempts.count <= 5, "tried again for a stepTimeout only: \(attempts.count)")
            try await Task.sleep(for: .seconds(4))
            #expect(try await status(in: ns, client: client)?.memory?.actions.count == attempts.count, "no attempt after the alert")
        }
    }

    /// Prometheus unreachable and a metric rule that ignores missing samples: the Ready pods are healthy
    /// only as far as is known, so they do not count toward minHealthy, and the crash-looping pod is not
    /// restarted on their strength; the refusal says why.
    @Test func readyPodsWithUnknownSamplesDoNotCountTowardMinHealthy() async throws {
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"},"metrics":[{"name":"errors","query":"up","above":1,"onMissing":"ignore","interval":"1s"}]},"safety":{"cooldown":"1s","minHealthy":"50%","maxUnhealthy":"100%"}}"#
        try await scenario("safe-unknown", policies: [("web", spec)], configure: { $0.prometheus = "http://127.0.0.1:1" }) { client, ns, pods in
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            let refused = try await eventually("the restart refused by minHealthy", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> PolicyStatus.ActionRecord? in
                try await status(in: ns, client: client)?.lastActions?.first { $0.result == "blocked" && $0.step == "restartPod" }
            }
            #expect(refused.reason.contains("0 healthy now (2 more Ready pods with unknown samples are not counted)"), "\(refused.reason)")
            #expect(try await client.get(Pod.self, name: pods[0].metadata.name!, namespace: ns).metadata.deletionTimestamp == nil)
        }
    }

    /// An operator whose RBAC does not let it list HPAs: /readyz names the kind and why, and after the
    /// optional caches' wait the operator acts with what it can read (a crash-looping pod is restarted),
    /// refuses what needs HPAs (scaling), and the policy's status says so.
    @Test func aCacheThatNeverSyncsIsNamedAndTheOperatorActsWithoutIt() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { admin in
            try await withNamespace("safe-blind", client: admin) { ns in
                let web = TestSimulation.deployment("web", replicas: 3)
                try await admin.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: web.deployment)
                try await admin.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: Self.restarts))
                // The operator's rights in the namespace, but for HPAs.
                func json(_ strings: [String]) -> String { String(decoding: try! JSONEncoder().encode(strings), as: UTF8.self) }
                let rules = [
                    (["resilience.dev"], ["resiliencepolicies"], ["get", "list", "watch", "patch"]), (["resilience.dev"], ["resiliencepolicies/status"], ["update", "patch"]),
                    ([""], ["pods"], ["get", "list", "watch", "delete", "patch"]), ([""], ["pods/status"], ["patch"]), ([""], ["pods/eviction"], ["create"]),
                    (["apps"], ["deployments", "replicasets", "statefulsets", "controllerrevisions"], ["get", "list", "watch", "patch"]), (["apps"], ["deployments/scale"], ["get", "update"]),
                    ([""], ["events"], ["create", "patch", "list", "watch"]), ([""], ["services"], ["list", "watch"]), (["policy"], ["poddisruptionbudgets"], ["list", "watch"]),
                ].map { groups, resources, verbs in
                    #"{"apiGroups":\#(json(groups)),"resources":\#(json(resources)),"verbs":\#(json(verbs))}"#
                }
                try await admin.send(.POST, "/apis/rbac.authorization.k8s.io/v1/namespaces/\(ns)/roles", body: Array(#"{"metadata":{"name":"blind"},"rules":[\#(rules.joined(separator: ","))]}"#.utf8))
                try await admin.send(.POST, "/apis/rbac.authorization.k8s.io/v1/namespaces/\(ns)/rolebindings", body: Array(#"""
                    {"metadata":{"name":"blind"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"blind"},"subjects":[{"kind":"ServiceAccount","name":"blind","namespace":"\#(ns)"}]}
                    """#.utf8))
                var configuration = try plane.configuration()
                configuration.clientCertificate = nil
                configuration.token = .inline(try await ServiceAccountTokens.token(for: "blind", namespace: ns, admin: admin))
                try await withClient(try KubernetesClient(configuration: configuration)) { blind in
                    try await OperatorHarness.with(ns, client: blind, configure: { $0.optionalCacheSync = .seconds(2) }) { harness in
                        let readiness = try await eventually("/readyz to name the HPA cache") { () -> String? in
                            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(harness.port)/readyz")!)
                            let body = String(decoding: data, as: UTF8.self)
                            return (response as? HTTPURLResponse)?.statusCode == 503 && body.contains("forbidden") ? body : nil
                        }
                        #expect(readiness.contains("HorizontalPodAutoscaler: "), "\(readiness)")
                        let pods = try await TestSimulation.readyPods(3, in: ns, client: admin)
                        try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: admin)
                        try await eventually("the crash-looping pod restarted all the same", timeout: .seconds(60), diagnose: { await described(ns, client: admin) }) { () -> Bool? in
                            try await status(in: ns, client: admin)?.lastActions?.contains { $0.pod == pods[0].metadata.name && $0.result == "succeeded" } == true ? true : nil
                        }
                        let condition = try #require(try await status(in: ns, client: admin)?.conditions?.first { $0.type == "CachesSynced" })
                        #expect(condition.status == "False")
                        #expect(condition.message.contains("cannot read HorizontalPodAutoscalers"), "\(condition.message)")
                    }
                }
            }
        }
    }

    /// An alert has its own name per condition, stays up while the condition holds (sent again only at the
    /// resend interval) and is resolved in Alertmanager as soon as the condition ends, not 5 minutes later.
    @Test func theShortCircuitsAlertIsResolvedWhenThePodsRecover() async throws {
        let alertmanager = try AlertmanagerProcess()
        defer { alertmanager.stop() }
        try await alertmanager.ready()
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"notReadyFor":"1s"},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"60%"},"alerting":{"alertmanager":{"url":"\#(alertmanager.url)"}}}"#
        try await scenario("safe-resolve", replicas: 4, policies: [("web", spec)]) { client, ns, pods in
            for pod in pods.prefix(3) { try await TestSimulation.setFaults("notReady", on: pod.metadata.name!, in: ns, client: client) }
            let alert = try await eventually("the short-circuit firing in Alertmanager", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> [String: String]? in
                try await alertmanager.alerts().first { $0.labels["namespace"] == ns }?.labels
            }
            #expect(alert["alertname"] == "ResilienceShortCircuit")
            for pod in pods.prefix(3) { try await TestSimulation.setFaults(nil, on: pod.metadata.name!, in: ns, client: client) }
            try await eventually("the alert resolved in Alertmanager", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                try await alertmanager.alerts().contains { $0.labels["namespace"] == ns } ? nil : true
            }
            let events = try await ToldEvents.waitFor("the resolution's Event", in: ns, client: client) { events in events.contains { $0.reason == "AlertResolved" } }
            #expect(events.filter { $0.reason == "Alert" }.map { $0.count ?? 1 }.reduce(0, +) == 1, "raised once, when it started")
        }
    }

    /// A Deployment Flux manages (its Kustomization's labels): the rollout restart a sync would fight is
    /// left to a human, with an alert in Alertmanager naming the Kustomization, for as long as the pod is
    /// unhealthy; the Deployment's template is left as Git has it. The alert is resolved once the pod
    /// recovers.
    @Test func aFluxManagedDeploymentsRolloutRestartIsLeftToGitWithAnAlert() async throws {
        let alertmanager = try AlertmanagerProcess()
        defer { alertmanager.stop() }
        try await alertmanager.ready()
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["rolloutRestart"]},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%"},"alerting":{"alertmanager":{"url":"\#(alertmanager.url)"}}}"#
        try await scenario("safe-flux", policies: [("web", spec)]) { client, ns, pods in
            let labels = #"{"metadata":{"labels":{"kustomize.toolkit.fluxcd.io/name":"apps","kustomize.toolkit.fluxcd.io/namespace":"flux-system"}}}"#
            _ = try await client.patch(Deployment.self, name: "web", namespace: ns, .merge(Array(labels.utf8)))
            try await Task.sleep(for: .seconds(1))
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            let alert = try await eventually("the GitOps alert in Alertmanager", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> (labels: [String: String], annotations: [String: String])? in
                try await alertmanager.alerts().first { $0.labels["namespace"] == ns && $0.labels["alertname"] == "ResilienceGitOpsManaged" }
            }
            #expect(alert.annotations.values.contains { $0.contains("rolloutRestart left to Git: the Deployment is managed by Flux (Kustomization flux-system/apps)") }, "\(alert)")
            let raw = String(decoding: try await client.send(.GET, Deployment.path(namespace: ns, name: "web")), as: UTF8.self)
            #expect(!raw.contains("kubectl.kubernetes.io/restartedAt"), "the template is left as Git has it")
            #expect(try await client.get(Pod.self, name: pods[0].metadata.name!, namespace: ns).metadata.uid == pods[0].metadata.uid, "nothing else was done")
            try await TestSimulation.setFaults(nil, on: pods[0].metadata.name!, in: ns, client: client)
            try await eventually("the alert resolved", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                try await alertmanager.alerts().contains { $0.labels["namespace"] == ns && $0.labels["alertname"] == "ResilienceGitOpsManaged" } ? nil : true
            }
        }
    }

    /// The same with Argo CD (its tracking annotation) and `gitOps: act`: the rollout restart is made (its
    /// annotation is not in Git, so a sync keeps it).
    @Test func anArgoCDManagedDeploymentIsRestartedWhenThePolicySaysAct() async throws {
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"recovery":{"steps":["rolloutRestart"],"gitOps":"act"},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%"}}"#
        try await scenario("safe-argo", policies: [("web", spec)]) { client, ns, pods in
            let annotations = #"{"metadata":{"annotations":{"argocd.argoproj.io/tracking-id":"shop:apps/Deployment:\#(ns)/web"}}}"#
            _ = try await client.patch(Deployment.self, name: "web", namespace: ns, .merge(Array(annotations.utf8)))
            try await Task.sleep(for: .seconds(1))
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            try await eventually("the rollout restart", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                String(decoding: try await client.send(.GET, Deployment.path(namespace: ns, name: "web")), as: UTF8.self).contains("kubectl.kubernetes.io/restartedAt") ? true : nil
            }
        }
    }

    /// While an alert the policy names fires in a real Alertmanager (a regional outage, say), a
    /// crash-looping pod is judged and reported but not restarted, and the status says which alert holds;
    /// once the alert is resolved the pod is restarted.
    @Test func aFiringAlertHoldsEveryActionUntilItIsResolved() async throws {
        let alertmanager = try AlertmanagerProcess()
        defer { alertmanager.stop() }
        try await alertmanager.ready()
        let region = "region-\(UInt32.random(in: 0...UInt32.max))"
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%","holdWhileAlerts":{"alerts":[{"alertname":"RegionDown","region":"\#(region)"}],"alertmanager":{"url":"\#(alertmanager.url)"}}}}"#
        try await alertmanager.post(["alertname": "RegionDown", "region": region, "severity": "page"])
        try await scenario("safe-hold", policies: [("web", spec)], configure: { $0.metricsInterval = .seconds(1) }) { client, ns, pods in
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            let held = try await eventually("the hold in the status", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> String? in
                try await status(in: ns, client: client)?.lastActions?.first { $0.result == "blocked" && $0.pod == pods[0].metadata.name }?.reason
            }
            #expect(held.contains("held: RegionDown{region=\"\(region)\",severity=\"page\"} fires (Alertmanager \(alertmanager.url), spec.safety.holdWhileAlerts)"), "\(held)")
            try await Task.sleep(for: .seconds(3))
            #expect(try await client.get(Pod.self, name: pods[0].metadata.name!, namespace: ns).metadata.uid == pods[0].metadata.uid, "not restarted while the alert fires")

            try await alertmanager.post(["alertname": "RegionDown", "region": region, "severity": "page"], resolved: true)
            try await eventually("the pod restarted once the alert is resolved", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                try await status(in: ns, client: client)?.lastActions?.contains { $0.step == "restartPod" && $0.pod == pods[0].metadata.name && $0.result == "succeeded" } == true ? true : nil
            }
        }
    }

    /// Inside a deny window (open now, in Berlin's time) a crash-looping pod is judged but not restarted,
    /// and the status says until when; a window in a time zone that does not exist makes the policy
    /// Ready=False naming the field, and the other policy keeps working.
    @Test func aDenyWindowHoldsActionsAndTheStatusSaysUntilWhen() async throws {
        let held = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%","windows":[{"schedule":"* * * * *","duration":"2h","timeZone":"Europe/Berlin"}]}}"#
        let nowhere = #"{"targetRef":{"kind":"Deployment","name":"other"},"safety":{"windows":[{"schedule":"0 22 * * 5","duration":"8h","timeZone":"Mars/Olympus_Mons"}]}}"#
        try await scenario("safe-window", policies: [("web", held), ("nowhere", nowhere)]) { client, ns, pods in
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            let reason = try await eventually("the hold in the status", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> String? in
                try await status(in: ns, client: client)?.lastActions?.first { $0.result == "blocked" && $0.pod == pods[0].metadata.name }?.reason
            }
            #expect(reason.contains("held: a deny window is open: spec.safety.windows[0] (deny, * * * * * for 2h, Europe/Berlin), until 20"), "\(reason)")
            let invalid = try await eventually("the policy with an unknown zone refused", timeout: .seconds(30)) { () -> String? in
                try await status(of: "nowhere", in: ns, client: client)?.conditions?.first { $0.type == "Ready" && $0.status == "False" }?.message
            }
            #expect(invalid.contains("spec.safety.windows[0].timeZone: 'Mars/Olympus_Mons' is not a time zone in"), "\(invalid)")
            try await Task.sleep(for: .seconds(2))
            #expect(try await client.get(Pod.self, name: pods[0].metadata.name!, namespace: ns).metadata.uid == pods[0].metadata.uid, "not restarted inside the window")
        }
    }

    /// The operator-wide freeze: while the freeze ConfigMap exists, no policy acts (the status says why),
    /// and once it is deleted the crash-looping pod is restarted at once.
    @Test func theFreezeConfigMapStopsEveryActionUntilItIsDeleted() async throws {
        try await scenario("safe-freeze", policies: [("web", Self.restarts)], configure: { configuration in
            configuration.freezeConfigMap = ObjectKey(namespace: configuration.namespace, name: "resilience-operator-freeze")
        }) { client, ns, pods in
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "resilience-operator-freeze", namespace: ns), data: ["reason": "change freeze until Monday"]))
            try await Task.sleep(for: .seconds(1))
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            let reason = try await eventually("the freeze in the status", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> String? in
                try await status(in: ns, client: client)?.lastActions?.first { $0.result == "blocked" && $0.pod == pods[0].metadata.name }?.reason
            }
            #expect(reason.contains("held: the operator is frozen: the ConfigMap \(ns)/resilience-operator-freeze exists: change freeze until Monday; no action until it is lifted"), "\(reason)")
            try await client.delete(ConfigMap.self, name: "resilience-operator-freeze", namespace: ns)
            try await eventually("the pod restarted once the freeze is lifted", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                try await status(in: ns, client: client)?.lastActions?.contains { $0.step == "restartPod" && $0.pod == pods[0].metadata.name && $0.result == "succeeded" } == true ? true : nil
            }
        }
    }

    /// Two policies on one Deployment: the later one leaves it to the older (Ready=False, Overlap, naming
    /// it), so only one acts; once the older goes, the later takes over.
    @Test func aSecondPolicyOnADeploymentIsRefusedAndTakesOverWhenTheFirstGoes() async throws {
        try await scenario("safe-overlap", policies: [("web-a", Self.restarts), ("web-b", Self.restarts)]) { client, ns, pods in
            let refused = try await eventually("the later policy refused", diagnose: { await described(ns, client: client, policy: "web-b") }) { () -> PolicyCondition? in
                try await status(of: "web-b", in: ns, client: client)?.conditions?.first { $0.type == "Ready" && $0.reason == "Overlap" }
            }
            #expect(refused.status == "False")
            #expect(refused.message.contains("protected by the older policy web-a"), "\(refused.message)")
            #expect(try await status(of: "web-b", in: ns, client: client)?.phase == "Overlap")
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            try await eventually("the pod evicted by the older policy", timeout: .seconds(60), diagnose: { await described(ns, client: client, policy: "web-a") }) { () -> Bool? in
                try await status(of: "web-a", in: ns, client: client)?.lastActions?.contains { $0.pod == pods[0].metadata.name && $0.result == "succeeded" } == true ? true : nil
            }
            #expect(try await status(of: "web-b", in: ns, client: client)?.memory == nil, "the later policy did nothing")
            try await client.delete(ResiliencePolicy.self, name: "web-a", namespace: ns)
            try await eventually("the later policy taking over", diagnose: { await described(ns, client: client, policy: "web-b") }) { () -> Bool? in
                try await status(of: "web-b", in: ns, client: client)?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true ? true : nil
            }
        }
    }

    /// Deleting a policy while a pod is isolated and the Deployment scaled up for it: the operator reopens
    /// the gate and returns to the replicas from before, then lets the policy go.
    @Test func deletingAPolicyUndoesWhatItHolds() async throws {
        try await scenario("safe-delete", gated: true, policies: [("web", Self.isolateThenScale)]) { client, ns, pods in
            let sick = pods[0]
            #expect(try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).metadata.finalizers == ["resilience.dev/undo"])
            try await TestSimulation.setFaults("notReady", on: sick.metadata.name!, in: ns, client: client)
            try await eventually("the pod isolated and the Deployment scaled up", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                let gate = try await client.get(Pod.self, name: sick.metadata.name!, namespace: ns).condition(Action.servingGate)?.status
                let replicas = try await client.get(Deployment.self, name: "web", namespace: ns).spec?.replicas
                return gate == "False" && replicas == 4 ? true : nil
            }
            try await client.delete(ResiliencePolicy.self, name: "web", namespace: ns)
            try await eventually("the policy gone once its gate is open and its replicas back", timeout: .seconds(30)) { () -> Bool? in
                do {
                    _ = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns)
                    return nil
                } catch let error as KubernetesError where error.reason == .notFound {
                    return true
                }
            }
            #expect(try await client.get(Deployment.self, name: "web", namespace: ns).spec?.replicas == 3)
            // Its gate reopened; the scale-down may then remove it (the ReplicaSet removes a pod not Ready first).
            let gate = try? await client.get(Pod.self, name: sick.metadata.name!, namespace: ns).condition(Action.servingGate)?.status
            #expect(gate == nil || gate == "True", "\(String(describing: gate))")
            let events = try await ToldEvents.waitFor("the undoing's Events", in: ns, client: client) { events in events.filter { $0.reason == "ResilienceUndone" }.count == 2 }
            let undone = events.filter { $0.reason == "ResilienceUndone" }.compactMap(\.message)
            #expect(undone.contains { $0.hasPrefix("released pod \(sick.metadata.name!)") && $0.contains("policy web is deleted") }, "\(undone)")
            #expect(undone.contains { $0.hasPrefix("scaled web from 4 to 3") }, "\(undone)")
        }
    }

    /// On-call scales the Deployment while the operator has it scaled up: once the pod is healthy again
    /// the operator releases it but leaves their replicas alone.
    @Test func theOperatorDoesNotUndoAScaleMadeByOnCall() async throws {
        try await scenario("safe-oncall", gated: true, policies: [("web", Self.isolateThenScale)]) { client, ns, pods in
            let sick = pods[0]
            try await TestSimulation.setFaults("notReady", on: sick.metadata.name!, in: ns, client: client)
            try await eventually("the Deployment scaled up", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                try await client.get(Deployment.self, name: "web", namespace: ns).spec?.replicas == 4 ? true : nil
            }
            _ = try await client.patch(Deployment.self, name: "web", namespace: ns, .merge(Array(#"{"spec":{"replicas":6}}"#.utf8)))
            try await TestSimulation.setFaults(nil, on: sick.metadata.name!, in: ns, client: client)
            try await eventually("the pod released and the memory of the scale-up gone", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                let released = try await client.get(Pod.self, name: sick.metadata.name!, namespace: ns).condition(Action.servingGate)?.status == "True"
                let forgotten = try await status(in: ns, client: client)?.memory?.scaledFrom.isEmpty != false
                return released && forgotten ? true : nil
            }
            try await Task.sleep(for: .seconds(2))
            #expect(try await client.get(Deployment.self, name: "web", namespace: ns).spec?.replicas == 6, "on-call's replicas stand")
            #expect(try await status(in: ns, client: client)?.lastActions?.contains { $0.step == "scaleDown" } == false)
        }
    }

    /// Another writer keeps changing the Deployment (its annotations, every 50 ms) while the operator
    /// scales it up: the scale still happens once, by compare-and-swap retried on conflict, and nothing
    /// the other writer set is lost.
    @Test func aScaleUpAmidAnotherWritersChangesHappensOnceAndLosesNothing() async throws {
        try await scenario("safe-writer", gated: true, policies: [("web", Self.isolateThenScale)]) { client, ns, pods in
            let writer = Task {
                var count = 0, written = 0
                while !Task.isCancelled {
                    count += 1
                    let patch = #"{"metadata":{"annotations":{"example.com/writer":"\#(count)"}}}"#
                    if (try? await client.patch(Deployment.self, name: "web", namespace: ns, .merge(Array(patch.utf8)))) != nil { written = count }
                    try? await Task.sleep(for: .milliseconds(50))
                }
                return written
            }
            defer { writer.cancel() }
            try await TestSimulation.setFaults("notReady", on: pods[0].metadata.name!, in: ns, client: client)
            try await eventually("the Deployment scaled up amid the writes", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> Bool? in
                try await client.get(Deployment.self, name: "web", namespace: ns).spec?.replicas == 4 ? true : nil
            }
            try await Task.sleep(for: .seconds(2))
            writer.cancel()
            let written = await writer.value
            let deployment = try await client.get(Deployment.self, name: "web", namespace: ns)
            #expect(deployment.spec?.replicas == 4, "scaled once, by one")
            // A patch cut off by the cancellation may have landed too: at least the last one answered stands.
            #expect((deployment.metadata.annotations?["example.com/writer"]).flatMap { Int($0) }.map { $0 >= written } == true, "the other writer's changes stand")
            let actions = try await eventually("the scale-up in the status", diagnose: { await described(ns, client: client) }) { () -> [PolicyStatus.ActionRecord]? in
                let actions = try await status(in: ns, client: client)?.lastActions ?? []
                return actions.contains { $0.step == "scaleUp" } ? actions : nil
            }
            #expect(actions.filter { $0.step == "scaleUp" && $0.result == "succeeded" }.count == 1, "\(actions.map { "\($0.step) \($0.result): \($0.reason)" })")
        }
    }

    /// A dry run follows the ladder as the real run would: each step after the last one's stepTimeout, and
    /// the alert at its end, all shown and none carried out.
    @Test func aDryRunShowsTheWholeLadderAndChangesNothing() async throws {
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"dryRun":true,"health":{"restarts":{"limit":1,"window":"10m"}},"recovery":{"steps":["restartPod","rolloutRestart"],"stepTimeout":"3s"},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%"}}"#
        try await scenario("safe-dry", policies: [("web", spec)]) { client, ns, pods in
            let sick = pods[0]
            try await TestSimulation.setFaults("crashLoop", on: sick.metadata.name!, in: ns, client: client)
            let actions = try await eventually("every step and the alert shown as a dry run", timeout: .seconds(60), diagnose: { await described(ns, client: client) }) { () -> [PolicyStatus.ActionRecord]? in
                let actions = try await status(in: ns, client: client)?.lastActions ?? []
                return Set(actions.filter { $0.result == "dryRun" }.map(\.step)).isSuperset(of: ["restartPod", "rolloutRestart", "alert"]) ? actions : nil
            }
            #expect(actions.allSatisfy { $0.result == "dryRun" }, "\(actions.map { "\($0.step) \($0.result)" })")
            #expect(actions.reversed().map(\.step).filter { $0 != "alert" } == ["restartPod", "rolloutRestart"], "in the ladder's order, each once")
            let final = try await status(in: ns, client: client)
            #expect(final?.memory == nil && final?.rehearsal?.actions.count == 2, "rehearsed, not remembered as done")
            #expect(try await client.get(Pod.self, name: sick.metadata.name!, namespace: ns).metadata.deletionTimestamp == nil)
            let deployment = String(decoding: try await client.send(.GET, Deployment.path(namespace: ns, name: "web")), as: UTF8.self)
            #expect(!deployment.contains("restartedAt"))
        }
    }

    /// A suspended policy judges nothing and does nothing.
    @Test func aSuspendedPolicyJudgesNothing() async throws {
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"suspend":true,"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%"}}"#
        try await scenario("safe-suspend", policies: [("web", spec)]) { client, ns, pods in
            try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
            let suspended = try await eventually("the status to say suspended") { () -> PolicyStatus? in
                let status = try await status(in: ns, client: client)
                return status?.phase == "Suspended" ? status : nil
            }
            #expect(suspended.conditions?.contains { $0.type == "Ready" && $0.message.contains("nothing is judged") } == true)
            try await eventually("the pod crash-looping for a while") { () -> Bool? in
                try await (client.get(Pod.self, name: pods[0].metadata.name!, namespace: ns).status?.containerStatuses?.first?.restartCount ?? 0) >= 3 ? true : nil
            }
            let after = try await status(in: ns, client: client)
            #expect(after?.pods == nil && after?.lastActions == nil, "not judged, nothing done")
            #expect(try await client.get(Pod.self, name: pods[0].metadata.name!, namespace: ns).metadata.deletionTimestamp == nil)
        }
    }
}
