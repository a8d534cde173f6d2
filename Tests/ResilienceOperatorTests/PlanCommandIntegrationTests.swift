import Foundation
import KubernetesAPI
import KubernetesClient
import PodSimulator
import ResilienceCore
import TestSupport
import Testing

/// `resilience-operator plan` against the real plane, with simulated pods.
@Suite struct PlanCommandIntegrationTests {
    @Test func planShowsVerdictsAndDecisionsWithReasonsAndChangesNothing() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("plan", client: client) { ns in
                let objects = TestSimulation.deployment("web", replicas: 3)
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: objects.deployment)
                let pods = try await TestSimulation.readyPods(3, in: ns, client: client)
                let sick = try #require(pods.first?.metadata.name)
                try await TestSimulation.setFaults("crashLoop", on: sick, in: ns, client: client)
                // The restart count holds without a break, where CrashLoopBackOff flaps between runs.
                try await eventually("\(sick) restarted twice") { () -> Bool? in
                    let pod = try await client.get(Pod.self, name: sick, namespace: ns)
                    return (pod.status?.containerStatuses?.first?.restartCount ?? 0) >= 2 ? true : nil
                }
                let policies = [
                    ("web", #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"maxUnhealthy":"50%"}}"#),
                    ("absent", #"{"targetRef":{"kind":"Deployment","name":"absent"}}"#),
                    ("broken", #"{"targetRef":{"kind":"Deployment","name":"web"},"safety":{"cooldown":"10m","maxActions":{"count":1,"window":"1m"}}}"#),
                ]
                for (name, spec) in policies {
                    try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: name, spec: spec))
                }
                // A memory line this version cannot read (a hand edit, or a later version's): the plan names it.
                let spoiled = "2026-12-07T01:00:00.000Z \(ns)/web restartPod ok - - teleport web-1 uid-1"
                let memory = try JSONSerialization.data(withJSONObject: ["status": ["memory": ["done": [spoiled]]]])
                _ = try await client.patch(ResiliencePolicy.self, name: "web", namespace: ns, .merge(Array(memory)), subresource: "status")
                let executable = try LocalControlPlane.operatorExecutable()
                let json = try await ProcessRunner.run(executable, ["plan", "--kubeconfig", plane.kubeconfigPath, "-n", ns, "-o", "json"])
                #expect(json.exitCode == 0, "\(json.output)")
                let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
                let byPolicy = Dictionary(uniqueKeysWithValues: reports.map { ($0["policy"] as? String ?? "", $0) })
                #expect(byPolicy["\(ns)/absent"]?["targetMissing"] as? String == "Deployment absent does not exist in \(ns)")
                #expect((byPolicy["\(ns)/broken"]?["invalid"] as? [String])?.first?.hasPrefix("spec.safety.maxActions.window: 1m is shorter than the cooldown 10m") == true)
                let web = try #require(byPolicy["\(ns)/web"])
                #expect(web["unreadStatus"] as? [String] == ["status.memory.done[0]: '\(spoiled)' is not a remembered action; skipped"])
                #expect(byPolicy["\(ns)/absent"]?["unreadStatus"] == nil)
                let verdicts = try #require((web["targets"] as? [[String: Any]])?.first?["verdicts"] as? [[String: Any]])
                let health = Dictionary(uniqueKeysWithValues: verdicts.map { ($0["pod"] as? String ?? "", $0["health"] as? String ?? "") })
                #expect(health[sick] == "unhealthy")
                #expect(health.filter { $0.key != sick }.values.allSatisfy { $0 == "healthy" }, "\(health)")
                let decisions = try #require(web["decisions"] as? [[String: Any]])
                #expect(decisions.count == 1)
                #expect(decisions.first?["disposition"] as? String == "execute")
                #expect((decisions.first?["reason"] as? String)?.contains("restarts in the last 10m (limit 1)") == true)

                let text = try await ProcessRunner.run(executable, ["plan", "--kubeconfig", plane.kubeconfigPath, "-n", ns, "web"])
                #expect(text.exitCode == 0, "\(text.output)")
                #expect(text.output.contains("pod \(sick): unhealthy - "), "\(text.output)")
                #expect(text.output.contains("restarts in the last 10m (limit 1)"), "\(text.output)")
                #expect(text.output.contains("evict pod \(sick) [execute]"), "\(text.output)")
                #expect(text.output.contains("status not read, so not remembered: status.memory.done[0]: '\(spoiled)'"), "\(text.output)")
                // Nothing changed: the pod is still there.
                #expect(try await client.get(Pod.self, name: sick, namespace: ns).metadata.deletionTimestamp == nil)
            }
        }
    }
}
