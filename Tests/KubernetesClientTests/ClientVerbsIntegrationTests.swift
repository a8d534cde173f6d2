import Foundation
import KubernetesAPI
import KubernetesClient
import TestSupport
import Testing

/// Every verb of the client against the real API server.
@Suite struct ClientVerbsIntegrationTests {
    private func deployment(_ name: String, replicas: Int) -> [UInt8] {
        Array(#"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\#(name)"},
         "spec":{"replicas":\#(replicas),"selector":{"matchLabels":{"app":"\#(name)"}},
          "template":{"metadata":{"labels":{"app":"\#(name)"}},"spec":{"containers":[{"name":"c","image":"registry.example/\#(name):1"}]}}}}
        """#.utf8)
    }

    @Test func patchesOfEveryKind() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("patch", client: client) { ns in
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: ns), data: ["a": "1", "b": "2"]))
                let merged = try await client.patch(ConfigMap.self, name: "cm", namespace: ns, .merge(Array(#"{"data":{"a":null,"c":"3"}}"#.utf8)))
                #expect(merged.data == ["b": "2", "c": "3"])
                let strategic = try await client.patch(ConfigMap.self, name: "cm", namespace: ns, .strategicMerge(Array(#"{"metadata":{"labels":{"x":"y"}}}"#.utf8)))
                #expect(strategic.metadata.labels == ["x": "y"])
                let json = try await client.patch(ConfigMap.self, name: "cm", namespace: ns, try .json([
                    JSONPatchOperation(op: "test", path: "/data/b", value: .string("2")),
                    JSONPatchOperation(op: "replace", path: "/data/b", value: .string("20")),
                ]))
                #expect(json.data?["b"] == "20")
                let failedTest = await #expect(throws: KubernetesError.self) {
                    _ = try await client.patch(ConfigMap.self, name: "cm", namespace: ns, try .json([JSONPatchOperation(op: "test", path: "/data/b", value: .string("2"))]))
                }
                #expect(failedTest?.reason == .invalid)
            }
        }
    }

    @Test func serverSideApplyOwnsFieldsPerManager() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("apply", client: client) { ns in
                let mine = ConfigMap(metadata: ObjectMeta(name: "owned", namespace: ns), data: ["replicas": "3"])
                let applied = try await client.apply(mine, fieldManager: "resilience-operator")
                #expect(applied.data == ["replicas": "3"])
                let theirs = ConfigMap(metadata: ObjectMeta(name: "owned", namespace: ns), data: ["replicas": "5"])
                let conflict = await #expect(throws: KubernetesError.self) { _ = try await client.apply(theirs, fieldManager: "someone-else") }
                #expect(conflict?.reason == .conflict)
                #expect(conflict?.message.contains("resilience-operator") == true, "the conflict names the owning manager")
                let forced = try await client.apply(theirs, fieldManager: "someone-else", force: true)
                #expect(forced.data == ["replicas": "5"])
            }
        }
    }

    @Test func deleteWithAUIDPreconditionNeverHitsARecreatedObject() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("delete", client: client) { ns in
                let first = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: ns)))
                try await client.delete(ConfigMap.self, name: "cm", namespace: ns)
                let second = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: ns)))
                #expect(first.metadata.uid != second.metadata.uid)
                let stale = DeleteOptions(preconditions: .init(uid: first.metadata.uid))
                let error = await #expect(throws: KubernetesError.self) {
                    try await client.delete(ConfigMap.self, name: "cm", namespace: ns, options: stale)
                }
                #expect(error?.reason == .conflict)
                #expect(try await client.get(ConfigMap.self, name: "cm", namespace: ns).metadata.uid == second.metadata.uid)
                try await client.delete(ConfigMap.self, name: "cm", namespace: ns, options: DeleteOptions(preconditions: .init(uid: second.metadata.uid), propagationPolicy: "Background"))
                let gone = await #expect(throws: KubernetesError.self) { _ = try await client.get(ConfigMap.self, name: "cm", namespace: ns) }
                #expect(gone?.reason == .notFound)
            }
        }
    }

    @Test func scaleSubresourceWithOptimisticConcurrency() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("scale", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: deployment("web", replicas: 1))
                // The Deployment controller writes status meanwhile, which moves the resourceVersion: read
                // and write again until a write lands on the version it read.
                var (stale, written) = (Scale?.none, Scale?.none)
                for _ in 0..<20 where written == nil {
                    var scale = try await client.scale(Deployment.self, name: "web", namespace: ns)
                    #expect(scale.spec.replicas == 1)
                    stale = scale
                    scale.spec.replicas = 3
                    do {
                        written = try await client.updateScale(Deployment.self, scale)
                    } catch let error as KubernetesError where error.reason == .conflict {
                        continue
                    }
                }
                #expect(written?.spec.replicas == 3)
                var late = try #require(stale)
                late.spec.replicas = 5
                let conflict = await #expect(throws: KubernetesError.self) { _ = try await client.updateScale(Deployment.self, late) }
                #expect(conflict?.reason == .conflict)
                try await eventually("three pods") { try await client.list(Pod.self, namespace: ns).items.count == 3 ? true : nil }
            }
        }
    }

    @Test func evictionUsesTheServedPolicyVersionAndPDBRefusalsAre429() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            let served = try await client.servedVersions()
            #expect(served.serves("policy/v1beta1"))
            #expect(!served.serves("policy/v1"), "Kubernetes 1.20 serves policy/v1beta1 only")
            #expect(served.first(of: ["discovery.k8s.io/v1", "discovery.k8s.io/v1beta1"]) == "discovery.k8s.io/v1beta1")
            let policy = try #require(served.first(of: ["policy/v1", "policy/v1beta1"]))

            try await withNamespace("evict", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: deployment("web", replicas: 2))
                try await client.send(.POST, "/apis/\(policy)/namespaces/\(ns)/poddisruptionbudgets", body: Array(#"""
                    {"metadata":{"name":"web-pdb"},"spec":{"minAvailable":"100%","selector":{"matchLabels":{"app":"web"}}}}
                    """#.utf8))
                let pods = try await eventually("two pods") { () -> [Pod]? in
                    let pods = try await client.list(Pod.self, namespace: ns).items
                    return pods.count == 2 ? pods : nil
                }
                // Pending pods bypass budgets: play the kubelet's part and make them Running and Ready.
                let ready = #"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"},{"type":"ContainersReady","status":"True"}]}}"#
                for pod in pods {
                    _ = try await client.patch(Pod.self, name: pod.metadata.name!, namespace: ns, .strategicMerge(Array(ready.utf8)), subresource: "status")
                }
                try await eventually("the disruption controller to count two healthy pods") { () -> Bool? in
                    let pdb = String(decoding: try await client.send(.GET, "/apis/\(policy)/namespaces/\(ns)/poddisruptionbudgets/web-pdb"), as: UTF8.self)
                    return pdb.contains(#""currentHealthy":2"#) ? true : nil
                }
                let name = try #require(pods[0].metadata.name)
                let refused = await #expect(throws: KubernetesError.self) {
                    try await client.evict(Eviction(podName: name, namespace: ns, policyVersion: policy))
                }
                #expect(refused?.reason == .tooManyRequests)
                #expect(refused?.refusedByDisruptionBudget == true, "a safety refusal, not load: not tried again")
                #expect(refused?.message.contains("disruption budget") == true, "\(String(describing: refused))")
                #expect(refused?.status?.details?.causes?.contains { $0.message?.contains("web-pdb") == true } == true, "the refusal names the budget")

                try await client.send(.DELETE, "/apis/\(policy)/namespaces/\(ns)/poddisruptionbudgets/web-pdb")
                try await client.evict(Eviction(podName: name, namespace: ns, policyVersion: policy))
                let evicted = try await client.get(Pod.self, name: name, namespace: ns)
                #expect(evicted.metadata.deletionTimestamp != nil, "the evicted pod is terminating")
            }
        }
    }

    @Test func podStatusSubresourcePatch() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("status", client: client) { ns in
                try await client.send(.POST, "/api/v1/namespaces/\(ns)/pods", body: Array(#"""
                    {"metadata":{"name":"p"},"spec":{"readinessGates":[{"conditionType":"resilience.dev/serving"}],"containers":[{"name":"c","image":"registry.example/p:1"}]}}
                    """#.utf8))
                let condition = #"{"status":{"conditions":[{"type":"resilience.dev/serving","status":"False","reason":"Isolated"}]}}"#
                _ = try await client.patch(Pod.self, name: "p", namespace: ns, .strategicMerge(Array(condition.utf8)), subresource: "status")
                let raw = String(decoding: try await client.send(.GET, Pod.path(namespace: ns, name: "p")), as: UTF8.self)
                #expect(raw.contains(#""type":"resilience.dev/serving","status":"False""#))
            }
        }
    }

    @Test func inClusterServiceAccountTokenIsReadAgainWhenItRotates() async throws {
        let plane = try await LocalControlPlane.shared()
        let admin = try KubernetesClient(configuration: plane.configuration())
        let ns = "incluster-\(UInt32.random(in: 0...UInt32.max))"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(ns)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (first, second) = try await withClient(admin) { admin in
            _ = try await admin.create(Namespace(metadata: ObjectMeta(name: ns)))
            return (try await ServiceAccountTokens.token(for: "first", namespace: ns, admin: admin),
                    try await ServiceAccountTokens.token(for: "second", namespace: ns, admin: admin))
        }
        let adminConfig = try plane.configuration()
        try Data(first.utf8).write(to: folder.appendingPathComponent("token"))
        try Data(try #require(adminConfig.certificateAuthorityPEM)).write(to: folder.appendingPathComponent("ca.crt"))
        try Data(ns.utf8).write(to: folder.appendingPathComponent("namespace"))
        let port = try #require(adminConfig.server.split(separator: ":").last.map(String.init))
        var config = try ConfigurationLoader.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port], serviceAccountDirectory: folder.path)
        config.tokenFileMaxAge = .zero
        #expect(config.namespace == ns)
        try await withClient(KubernetesClient(configuration: config)) { pod in
            let before = await #expect(throws: KubernetesError.self) { _ = try await pod.list(ConfigMap.self, namespace: ns) }
            #expect(before?.message.contains("system:serviceaccount:\(ns):first") == true)
            try Data(second.utf8).write(to: folder.appendingPathComponent("token"))
            let after = await #expect(throws: KubernetesError.self) { _ = try await pod.list(ConfigMap.self, namespace: ns) }
            #expect(after?.message.contains("system:serviceaccount:\(ns):second") == true)
        }
        try await withClient(KubernetesClient(configuration: plane.configuration())) { try await removeNamespace(ns, client: $0) }
    }
}
