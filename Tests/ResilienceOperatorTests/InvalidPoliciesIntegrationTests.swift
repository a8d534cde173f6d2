import Foundation
import KubernetesAPI
import KubernetesClient
import ResilienceCore
import ResilienceOperator
import TestSupport
import Testing

/// Bad input at scale: a thousand policies, each a captured policy with one field changed at random,
/// beside a valid one, against the running operator.
@Suite struct InvalidPoliciesIntegrationTests {
    @Test func aThousandMutatedPoliciesAreEachToldAndTheValidOneStillActs() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        var fast = try plane.configuration()
        fast.qps = 500
        fast.burst = 1000
        try await withClient(KubernetesClient(configuration: fast)) { client in
            try await withNamespace("invalid", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 3).deployment)
                let valid = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: valid))
                // A captured policy (a selector matching nothing here), one field changed each time, from a fixed seed.
                let captured = try JSONSerialization.jsonObject(with: Fixture.data("policy-error-ratio-outliers.json")) as? [String: Any]
                var seed: UInt64 = 0x5eed
                func next() -> Int {
                    seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return Int(seed >> 33)
                }
                let mutations = try (0..<1000).map { index in
                    let base = try JSONSerialization.data(withJSONObject: [
                        "apiVersion": "resilience.dev/v1alpha1", "kind": "ResiliencePolicy", "metadata": ["name": "mutated-\(index)"], "spec": captured?["spec"] ?? [:],
                    ])
                    return try PolicyMutation.mutate(base, field: next(), value: next())
                }
                // What the API server's schema refuses never reaches the operator; the rest is its to judge.
                let admitted = await withTaskGroup(of: (Int, String)?.self) { group -> [Int: String] in
                    for (index, mutation) in mutations.enumerated() {
                        group.addTask {
                            do {
                                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: Array(mutation.json))
                                return (index, mutation.path)
                            } catch {
                                return nil
                            }
                        }
                    }
                    var admitted: [Int: String] = [:]
                    for await result in group { if let (index, path) = result { admitted[index] = path } }
                    return admitted
                }
                #expect(admitted.count > 100, "the schema lets many through to the operator: \(admitted.count)")
                var operatorConfiguration = try plane.configuration()
                operatorConfiguration.qps = 200
                operatorConfiguration.burst = 300
                try await withClient(KubernetesClient(configuration: operatorConfiguration)) { operatorClient in
                    try await OperatorHarness.with(ns, client: operatorClient) { _ in
                        let judged = try await eventually("every admitted policy judged", timeout: .seconds(120)) { () -> [String: PolicyCondition]? in
                            let policies = try await client.list(ResiliencePolicy.self, namespace: ns).items
                            var ready: [String: PolicyCondition] = [:]
                            for policy in policies { if let condition = policy.status?.conditions?.first(where: { $0.type == "Ready" }) { ready[policy.metadata.name ?? ""] = condition } }
                            return ready.count == admitted.count + 1 ? ready : nil
                        }
                        var refused = 0
                        for (index, path) in admitted {
                            let condition = try #require(judged["mutated-\(index)"])
                            // A mutation that suspends a valid policy leaves it valid, and unjudged.
                            if condition.reason == "Suspended" {
                                #expect(path == "spec.suspend", "mutated-\(index) (\(path)): \(condition.message)")
                                continue
                            }
                            #expect(condition.status == "False", "mutated-\(index) (\(path)) has no target here: \(condition.message)")
                            if condition.reason == "InvalidSpec" {
                                refused += 1
                                #expect(condition.message.contains("spec."), "mutated-\(index) (\(path)): the field is named: \(condition.message)")
                            } else {
                                #expect(condition.reason == "TargetMissing", "mutated-\(index) (\(path)): \(condition.reason): \(condition.message)")
                            }
                        }
                        #expect(refused > 0, "the operator refused some the schema let through: \(refused) of \(admitted.count)")
                        #expect(judged["web"]?.status == "True")
                        let pods = try await TestSimulation.readyPods(3, in: ns, client: client)
                        try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
                        try await eventually("the valid policy still acts", timeout: .seconds(60)) { () -> Bool? in
                            try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.lastActions?.contains { $0.pod == pods[0].metadata.name && $0.result == "succeeded" } == true ? true : nil
                        }
                    }
                }
            }
        }
    }
}
