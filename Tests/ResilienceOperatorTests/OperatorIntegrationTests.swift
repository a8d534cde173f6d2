import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import PodSimulator
import ResilienceCore
import ResilienceOperator
import TestSupport
import Testing

/// The running operator against the real plane with simulated pods, one scenario per test.
@Suite struct OperatorIntegrationTests {
    private let crashPolicy = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s","maxUnhealthy":"50%"}}"#

    @Test func aCrashLoopingPodIsEvictedAndReplacedAndTheStatusSaysSo() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-crash", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 3).deployment)
                let pods = try await TestSimulation.readyPods(3, in: ns, client: client)
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: crashPolicy))
                try await OperatorHarness.with(ns, client: client) { harness in
                    try await eventually("the policy Ready with 3/3 healthy") { () -> Bool? in
                        try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.healthy == "3/3" ? true : nil
                    }
                    let sick = pods[0]
                    // What a kubelet tells of a crash loop (the simulator writes no Events): the operator's
                    // watch of the pods' Warning Events brings it into the evidence.
                    let backOff = #"{"metadata":{"name":"\#(sick.metadata.name!).backoff"},"involvedObject":{"kind":"Pod","namespace":"\#(ns)","name":"\#(sick.metadata.name!)","uid":"\#(sick.metadata.uid!)","apiVersion":"v1","fieldPath":"spec.containers{app}"},"reason":"BackOff","message":"Back-off restarting failed container","source":{"component":"kubelet","host":"sim-node-1"},"count":4,"type":"Warning"}"#
                    try await client.send(.POST, "/api/v1/namespaces/\(ns)/events", body: Array(backOff.utf8))
                    // The operator's own Warnings about the pod (an earlier term's) are no evidence: the watch
                    // leaves them out.
                    let own = #"{"metadata":{"name":"\#(sick.metadata.name!).own"},"involvedObject":{"kind":"Pod","namespace":"\#(ns)","name":"\#(sick.metadata.name!)","uid":"\#(sick.metadata.uid!)","apiVersion":"v1"},"reason":"Isolated","message":"taken out of its Services earlier","source":{"component":"\#(ResilienceOperator.component)"},"count":1,"type":"Warning"}"#
                    try await client.send(.POST, "/api/v1/namespaces/\(ns)/events", body: Array(own.utf8))
                    try await TestSimulation.setFaults("crashLoop", on: sick.metadata.name!, in: ns, client: client)
                    let replaced = try await eventually("the crash-looping pod evicted and replaced by a Ready pod", timeout: .seconds(60)) { () -> Bool? in
                        let now = try await client.list(Pod.self, namespace: ns).items
                        return !now.contains { $0.metadata.uid == sick.metadata.uid } && now.count == 3 && now.allSatisfy(\.isReady) ? true : nil
                    }
                    #expect(replaced)
                    let status = try await eventually("the status to record the eviction") { () -> PolicyStatus? in
                        let status = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
                        return status?.lastActions?.contains { $0.pod == sick.metadata.name && $0.result == "succeeded" } == true ? status : nil
                    }
                    let action = try #require(status.lastActions?.first { $0.pod == sick.metadata.name })
                    #expect(action.step == "restartPod")
                    #expect(action.reason.contains("container app is waiting: CrashLoopBackOff"))
                    // The evidence, as last seen before the eviction: the restarts, the waiting reason and the
                    // pod's Warning Events.
                    let evidence = try #require(action.evidence)
                    #expect(evidence.contains("app: ") && evidence.contains("restarts") && evidence.contains("CrashLoopBackOff"), "\(evidence)")
                    #expect(evidence.contains("events: BackOff x4: Back-off restarting failed container"), "\(evidence)")
                    #expect(!evidence.contains("Isolated"), "the operator's own Event quoted as evidence: \(evidence)")
                    let events = try await ToldEvents.waitFor("the eviction's Events", in: ns, client: client) { events in
                        events.contains { $0.reason == "ActionSucceeded" } && events.contains { $0.reason == "ResilienceRestartPod" } && events.contains { $0.reason == "Restarted" }
                    }
                    let onPolicy = events.first { $0.reason == "ActionSucceeded" && $0.message?.contains("evicted pod \(sick.metadata.name!)") == true }
                    #expect(onPolicy?.message?.contains("Evidence: phase Running") == true, "\(events.map { $0.message ?? "" })")
                    #expect(onPolicy?.message?.contains("BackOff x4") == true, "\(events.map { $0.message ?? "" })")
                    #expect(events.contains { $0.involvedObject.kind == "Deployment" && $0.involvedObject.name == "web" && $0.reason == "ResilienceRestartPod" })
                    #expect(events.contains { $0.involvedObject.kind == "Pod" && $0.involvedObject.uid == sick.metadata.uid && $0.reason == "Restarted" })
                    // And the metrics: the action, and the time from detection to action.
                    #expect(try await harness.sample("resilience_actions_total", ["policy": "\(ns)/web", "step": "restartPod", "result": "succeeded"]) == 1)
                    #expect(try await harness.sample("resilience_detection_to_action_seconds_count", ["step": "restartPod"]) == 1)
                    #expect(try await harness.sample("resilience_reconcile_total", ["controller": "policies", "result": "success"]).map { $0 > 0 } == true)
                }
            }
        }
    }

    /// A policy that selects Deployments by label recovers a pod of one, then of the other (a reconcile
    /// plans only the Deployment that changed; the other keeps its last plan), counts the pods of both,
    /// and leaves a Deployment it does not select alone.
    @Test func aSelectorPolicyRecoversEachDeploymentItSelectsAndNoOther() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-selector", client: client) { ns in
                for (name, replicas) in [("web-a", 2), ("web-b", 2), ("other", 1)] {
                    try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment(name, replicas: replicas).deployment)
                    if name != "other" {
                        _ = try await client.patch(Deployment.self, name: name, namespace: ns, .merge(Array(#"{"metadata":{"labels":{"tier":"web"}}}"#.utf8)))
                    }
                }
                _ = try await TestSimulation.readyPods(5, in: ns, client: client)
                let spec = #"{"selector":{"matchLabels":{"tier":"web"}},"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s","maxUnhealthy":"50%"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                try await OperatorHarness.with(ns, client: client) { _ in
                    try await eventually("the policy judging the 4 pods of both Deployments") { () -> Bool? in
                        try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.healthy == "4/4" ? true : nil
                    }
                    let other = try #require(try await TestSimulation.readyPods(1, in: ns, selector: "app=other", client: client).first)
                    try await TestSimulation.setFaults("crashLoop", on: other.metadata.name!, in: ns, client: client)
                    for name in ["web-a", "web-b"] {
                        let sick = try #require(try await TestSimulation.readyPods(2, in: ns, selector: "app=\(name)", client: client).first)
                        try await TestSimulation.setFaults("crashLoop", on: sick.metadata.name!, in: ns, client: client)
                        try await eventually("the crash-looping pod of \(name) evicted and replaced", timeout: .seconds(60)) { () -> Bool? in
                            let pods = try await client.list(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=\(name)")).items
                            return !pods.contains { $0.metadata.uid == sick.metadata.uid } && pods.count == 2 && pods.allSatisfy(\.isReady) ? true : nil
                        }
                        try await eventually("the status to record the eviction of \(sick.metadata.name!)") { () -> Bool? in
                            let status = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
                            return status?.lastActions?.contains { $0.pod == sick.metadata.name && $0.result == "succeeded" } == true ? true : nil
                        }
                    }
                    try await eventually("both Deployments whole and healthy in the status") { () -> Bool? in
                        try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.healthy == "4/4" ? true : nil
                    }
                    let unselected = try await client.list(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=other")).items
                    #expect(unselected.map(\.metadata.uid) == [other.metadata.uid], "the Deployment the selector does not match keeps its crash-looping pod")
                    let status = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
                    #expect(status?.lastActions?.filter { $0.result == "succeeded" }.count == 2, "\(status?.lastActions ?? [])")
                }
            }
        }
    }

    @Test func anInvalidPolicyIsNotReadyNamingTheFieldAndTheOthersKeepWorking() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-invalid", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 2).deployment)
                _ = try await TestSimulation.readyPods(2, in: ns, client: client)
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(
                    name: "broken", spec: #"{"targetRef":{"kind":"Deployment","name":"web"},"safety":{"cooldown":"10m","maxActions":{"count":1,"window":"1m"}}}"#))
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: crashPolicy))
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "orphan", spec: #"{"targetRef":{"kind":"Deployment","name":"later"}}"#))
                try await OperatorHarness.with(ns, client: client) { _ in
                    let broken = try await eventually("broken to be Ready=False") { () -> PolicyCondition? in
                        try await client.get(ResiliencePolicy.self, name: "broken", namespace: ns).status?.conditions?.first { $0.type == "Ready" && $0.status == "False" }
                    }
                    #expect(broken.reason == "InvalidSpec")
                    #expect(broken.message.contains("spec.safety.maxActions.window"))
                    let orphan = try await eventually("orphan to say its target is missing") { () -> PolicyStatus? in
                        let status = try await client.get(ResiliencePolicy.self, name: "orphan", namespace: ns).status
                        return status?.phase == "TargetMissing" ? status : nil
                    }
                    #expect(orphan.conditions?.first?.message == "Deployment later does not exist in \(ns)")
                    try await eventually("web to judge its pods regardless") { () -> Bool? in
                        try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.healthy == "2/2" ? true : nil
                    }
                    // The missing target appears: the policy acts on it at once.
                    try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("later", replicas: 1).deployment)
                    try await eventually("orphan to find its target") { () -> Bool? in
                        try await client.get(ResiliencePolicy.self, name: "orphan", namespace: ns).status?.phase == "Ready" ? true : nil
                    }
                }
            }
        }
    }

    @Test func aDryRunPolicyChangesNothingAndItsStatusShowsThePlan() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-dry", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 3).deployment)
                let pods = try await TestSimulation.readyPods(3, in: ns, client: client)
                try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: #"{"dryRun":true,"# + crashPolicy.dropFirst()))
                try await OperatorHarness.with(ns, client: client) { _ in
                    let status = try await eventually("the status to show the planned eviction as dryRun", timeout: .seconds(60)) { () -> PolicyStatus? in
                        let status = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
                        return status?.lastActions?.contains { $0.pod == pods[0].metadata.name && $0.result == "dryRun" } == true ? status : nil
                    }
                    #expect(status.conditions?.first { $0.type == "Ready" }?.message.contains("dry run") == true)
                    try await Task.sleep(for: .seconds(2))
                    let still = try await client.get(Pod.self, name: pods[0].metadata.name!, namespace: ns)
                    #expect(still.metadata.uid == pods[0].metadata.uid && still.metadata.deletionTimestamp == nil, "nothing was evicted")
                }
            }
        }
    }
}

/// The operator's refusals, as SREs see them in status and Events.
@Suite struct OperatorSafetyIntegrationTests {
    private let policy = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"50%"}}"#

    private func scenario(
        _ prefix: String, replicas: Int, crashing: Int, spec: String, setUp: (KubernetesClient, String) async throws -> Void = { _, _ in },
        check: (KubernetesClient, String, [Pod]) async throws -> Void
    ) async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace(prefix, client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: replicas).deployment)
                let pods = try await TestSimulation.readyPods(replicas, in: ns, client: client)
                try await setUp(client, ns)
                for pod in pods.prefix(crashing) {
                    try await TestSimulation.setFaults("crashLoop", on: pod.metadata.name!, in: ns, client: client)
                }
                // The failures are all there when the operator starts, and hold without a break (the restart
                // count does not flap as CrashLoopBackOff does between runs): it sees them at once.
                if crashing > 0 { try await eventually("\(crashing) pods restarted twice") { () -> Bool? in
                    let restarted = try await client.list(Pod.self, namespace: ns).items.filter {
                        ($0.status?.containerStatuses?.first?.restartCount ?? 0) >= 2
                    }
                    return restarted.count == crashing ? true : nil
                } }
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                let service = ResilienceOperator(client: client, configuration: .init(namespace: ns, instance: "test"), logger: Logger(label: "operator"))
                let running = Task { try await service.run() }
                defer { running.cancel() }
                try await check(client, ns, Array(pods.prefix(crashing)))
                running.cancel()
                _ = await running.result
            }
        }
    }

    @Test func aDisruptionBudgetBlocksTheEvictionAndStatusAndEventsSaySo() async throws {
        try await scenario("op-pdb", replicas: 2, crashing: 1, spec: policy, setUp: { client, ns in
            let version = try await client.servedVersions().first(of: ["policy/v1", "policy/v1beta1"]) ?? "policy/v1"
            try await client.send(.POST, "/apis/\(version)/namespaces/\(ns)/poddisruptionbudgets", body: Array(#"""
                {"apiVersion":"\#(version)","kind":"PodDisruptionBudget","metadata":{"name":"web-pdb"},"spec":{"minAvailable":2,"selector":{"matchLabels":{"app":"web"}}}}
                """#.utf8))
        }) { client, ns, sick in
            let status = try await eventually("a blocked eviction in the status", timeout: .seconds(60)) { () -> PolicyStatus? in
                let status = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
                return status?.lastActions?.contains { $0.result == "blocked" } == true ? status : nil
            }
            let blocked = try #require(status.lastActions?.first { $0.result == "blocked" })
            #expect(blocked.pod == sick[0].metadata.name)
            #expect(blocked.reason.contains("PodDisruptionBudget web-pdb"), "\(blocked.reason)")
            let events = try await ToldEvents.waitFor("the refusal's Events", in: ns, client: client) { events in
                events.filter { $0.reason == "ResilienceActionBlocked" }.count >= 2 && events.contains { $0.reason == "ActionBlocked" }
            }
            #expect(events.contains { $0.reason == "ActionBlocked" && $0.message?.contains("web-pdb") == true }, "\(events.map { $0.message ?? "" })")
            #expect(events.contains { $0.involvedObject.kind == "Deployment" && $0.reason == "ResilienceActionBlocked" && $0.message?.contains("web-pdb") == true })
            #expect(events.contains { $0.involvedObject.uid == sick[0].metadata.uid && $0.reason == "ResilienceActionBlocked" })
            #expect(try await client.get(Pod.self, name: sick[0].metadata.name!, namespace: ns).metadata.deletionTimestamp == nil, "not evicted")
            // The pod keeps crash-looping, and every change plans the policy again; the refusal lasts, and is told
            // once, when it started: one status entry, one Event on each object (an incident's write storm
            // would otherwise crowd out everything else).
            let restarts = sick[0].status?.containerStatuses?.first?.restartCount ?? 0
            try await eventually("the pod restarting twice more, replanned each time", timeout: .seconds(30)) { () -> Bool? in
                let pod = try await client.get(Pod.self, name: sick[0].metadata.name!, namespace: ns)
                return (pod.status?.containerStatuses?.first?.restartCount ?? 0) >= restarts + 4 ? true : nil
            }
            let later = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
            #expect(later?.lastActions?.filter { $0.result == "blocked" }.count == 1, "\(later?.lastActions?.map(\.reason) ?? [])")
            let all = try await client.list(Event.self, namespace: ns).items
            let told = all.filter { $0.reason == "ActionBlocked" } + all.filter { $0.reason == "ResilienceActionBlocked" }
            #expect(told.map { $0.count ?? 1 }.reduce(0, +) == 3, "policy, Deployment and pod, once each: \(told.map { "\($0.involvedObject.kind ?? "") x\($0.count ?? 1)" })")
        }
    }

    @Test func aPodWhoseHealthEndpointFailsTheOperatorsProbeIsRestarted() async throws {
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"probe":{"httpGet":{"path":"/ready","port":8080},"period":"1s","timeout":"300ms","failureThreshold":2}},"safety":{"cooldown":"1s","maxUnhealthy":"50%"}}"#
        try await scenario("op-probe", replicas: 3, crashing: 0, spec: spec) { client, ns, _ in
            let pods = try await client.list(Pod.self, namespace: ns).items
            try await eventually("all three pods probed healthy") { () -> Bool? in
                try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.healthy == "3/3" ? true : nil
            }
            let sick = pods[0]
            let fault = #"{"metadata":{"annotations":{"\#(Faults.annotation)":"healthFail"}}}"#
            _ = try await client.patch(Pod.self, name: sick.metadata.name!, namespace: ns, .merge(Array(fault.utf8)))
            try await eventually("the pod failing its probe evicted and replaced", timeout: .seconds(60)) { () -> Bool? in
                let now = try await client.list(Pod.self, namespace: ns).items
                return !now.contains { $0.metadata.uid == sick.metadata.uid } && now.count == 3 && now.allSatisfy(\.isReady) ? true : nil
            }
            let action = try await eventually("the status to name the probe") { () -> PolicyStatus.ActionRecord? in
                try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.lastActions?.first { $0.pod == sick.metadata.name }
            }
            #expect(action.reason.contains("probe failed 2 times in a row (failureThreshold 2): HTTP 500"), "\(action.reason)")
            for pod in pods.dropFirst() {
                #expect(try await client.get(Pod.self, name: pod.metadata.name!, namespace: ns).metadata.uid == pod.metadata.uid, "the healthy pods are left alone")
            }
        }
    }

    @Test func alertsGoToWebhooksWhoseURLsStayInTheirSecrets() async throws {
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        defer { receiver.stop() }
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"30%"},"alerting":{"webhooks":[{"urlFrom":{"secretKeyRef":{"name":"hooks","key":"generic"}}},{"urlFrom":{"secretKeyRef":{"name":"hooks","key":"slack"}},"format":"slack"},{"urlFrom":{"secretKeyRef":{"name":"gone","key":"url"}}}]}}"#
        let secret = "s3cr3t-token"
        try await scenario("op-hooks", replicas: 3, crashing: 2, spec: spec, setUp: { client, ns in
            let data = ["generic": "http://127.0.0.1:\(port)/hook/generic?token=\(secret)", "slack": "http://127.0.0.1:\(port)/hook/slack?token=\(secret)"]
                .mapValues { Data($0.utf8).base64EncodedString() }
            let body = try JSONSerialization.data(withJSONObject: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "hooks"], "data": data])
            try await client.send(.POST, "/api/v1/namespaces/\(ns)/secrets", body: Array(body))
        }) { client, ns, _ in
            let generic = try await eventually("the alert at the generic webhook", timeout: .seconds(60)) { receiver.bodies("generic").first }
            let alert = try #require(try JSONSerialization.jsonObject(with: Data(generic.utf8)) as? [String: String])
            #expect(alert["alertname"] == "ResilienceShortCircuit")
            #expect(alert["namespace"] == ns && alert["policy"] == "web" && alert["deployment"] == "web")
            #expect(alert["summary"]?.contains("the failure looks systemic") == true, "\(alert)")
            let slack = try await eventually("the alert at the Slack webhook") { receiver.bodies("slack").first }
            #expect((try JSONSerialization.jsonObject(with: Data(slack.utf8)) as? [String: String])?["text"]?.contains("needs a human") == true, "\(slack)")
            let failed = try await eventually("the missing Secret reported") { () -> Event? in
                try await client.list(Event.self, namespace: ns).items.first { $0.reason == "AlertFailed" }
            }
            #expect(failed.message?.contains("Secret \(ns)/gone key url: the Secret does not exist") == true, "\(failed.message ?? "")")
            // The alert keeps holding, and is reconciled again and again; the webhooks got it once.
            try await Task.sleep(for: .seconds(3))
            #expect(receiver.bodies("generic").count == 1)
            let everything = try await client.list(Event.self, namespace: ns).items.map { $0.message ?? "" }.joined()
                + String(decoding: try KubernetesJSON.encoder().encode(try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status), as: UTF8.self)
            #expect(!everything.contains(secret), "the URLs stay in their Secret")
        }
    }

    @Test func threeOfFourFailingTripsASixtyPercentShortCircuitAndAlertsAlertmanager() async throws {
        let alertmanager = try AlertmanagerProcess()
        defer { alertmanager.stop() }
        try await alertmanager.ready()
        // Three of four is 75%, above 60%: a share rounded up to 3 pods and compared with `>` would not trip.
        let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"60%"},"alerting":{"alertmanager":{"url":"\#(alertmanager.url)"}}}"#
        try await scenario("op-short", replicas: 4, crashing: 3, spec: spec) { client, ns, sick in
            let condition = try await eventually("the short-circuit in the status", timeout: .seconds(60)) { () -> PolicyCondition? in
                try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.conditions?.first { $0.reason == "HaltedMaxUnhealthy" }
            }
            #expect(condition.message.contains("3 of 4 pods down (3 unhealthy, 0 disruptions not yet replaced) exceed maxUnhealthy 60% (at most 2 pods)"), "\(condition.message)")
            let events = try await ToldEvents.waitFor("the alert's Event", in: ns, client: client) { events in events.contains { $0.reason == "Alert" } }
            #expect(events.contains { $0.reason == "Alert" && $0.message?.contains("the failure looks systemic") == true })
            let alert = try await eventually("the alert in Alertmanager") { () -> [String: String]? in
                try await alertmanager.alerts().first { $0.labels["namespace"] == ns }.map { $0.labels.merging($0.annotations) { a, _ in a } }
            }
            #expect(alert["alertname"] == "ResilienceShortCircuit")
            #expect(alert["policy"] == "web")
            #expect(alert["deployment"] == "web")
            #expect(alert["summary"]?.contains("the failure looks systemic, so the operator only alerts") == true, "\(alert)")
            for pod in sick {
                #expect(try await client.get(Pod.self, name: pod.metadata.name!, namespace: ns).metadata.deletionTimestamp == nil, "no action")
            }
        }
    }
}
