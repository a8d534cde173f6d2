import Foundation
import KubernetesAPI
import KubernetesClient
import TestSupport
import Testing

/// The client against the real local control plane.
@Suite struct ClientIntegrationTests {
    @Test func listsNamespacesWithTheAdminClientCertificate() async throws {
        let plane = try await LocalControlPlane.shared()
        let client = try KubernetesClient(configuration: plane.configuration())
        let namespaces = try await withClient(client) { try await $0.list(Namespace.self) }
        let names = Set(namespaces.items.compactMap(\.metadata.name))
        #expect(names.isSuperset(of: ["default", "kube-system", "kube-public", "kube-node-lease"]))
        #expect(namespaces.metadata.resourceVersion?.isEmpty == false)
    }

    @Test func pagesWithLimitAndContinueFromOneSnapshot() async throws {
        let plane = try await LocalControlPlane.shared()
        let client = try KubernetesClient(configuration: plane.configuration())
        let (first, rest) = try await withClient(client) { client in
            let first = try await client.list(Namespace.self, options: ListOptions(limit: 2))
            // Other tests create namespaces meanwhile; the continue token still reads the first page's snapshot.
            let created = try await client.send(.POST, "/api/v1/namespaces", body: Array(#"{"metadata":{"generateName":"paging-"}}"#.utf8))
            let rest = try await client.list(Namespace.self, options: ListOptions(continue: first.metadata.continue))
            let name = try KubernetesJSON.decoder().decode(Namespace.self, from: Data(created)).metadata.name ?? ""
            try await client.send(.DELETE, Namespace.path(name: name))
            return (first, rest)
        }
        #expect(first.items.count == 2)
        #expect(first.metadata.continue?.isEmpty == false)
        #expect(first.metadata.remainingItemCount == Int64(rest.items.count))
        #expect(rest.metadata.continue ?? "" == "")
        #expect(rest.metadata.resourceVersion == first.metadata.resourceVersion)
        let names = (first.items + rest.items).compactMap(\.metadata.name)
        #expect(Set(names).count == names.count)
        #expect(!names.contains { $0.hasPrefix("paging-") })
        #expect(Set(names).isSuperset(of: ["default", "kube-system", "kube-public", "kube-node-lease"]))
    }

    @Test func refusesAServerWhoseCertificateAnotherCASigned() async throws {
        let plane = try await LocalControlPlane.shared()
        var config = try plane.configuration()
        config.certificateAuthorityPEM = try await ThrowawayCertificateAuthority.make()
        config.source = "a kubeconfig with a foreign CA"
        let client = try KubernetesClient(configuration: config)
        let error = try await #require(throws: KubernetesError.self) {
            try await withClient(client) { try await $0.list(Namespace.self) }
        }
        #expect(error.reason == .tlsVerification)
        #expect(error.description.hasPrefix("GET /api/v1/namespaces: TLS verification of \(config.server) failed (CERTIFICATE_VERIFY_FAILED)"))
        #expect(error.description.contains("a kubeconfig with a foreign CA"))
    }

    @Test func trustsOnlyTheConfiguredCANotTheSystemRoots() async throws {
        let plane = try await LocalControlPlane.shared()
        var config = try plane.configuration()
        config.certificateAuthorityPEM = nil
        let client = try KubernetesClient(configuration: config)
        let error = try await #require(throws: KubernetesError.self) {
            try await withClient(client) { try await $0.list(Namespace.self) }
        }
        #expect(error.reason == .tlsVerification)
    }

    @Test func missingObjectIsNotFound() async throws {
        let plane = try await LocalControlPlane.shared()
        let client = try KubernetesClient(configuration: plane.configuration())
        let error = try await #require(throws: KubernetesError.self) {
            try await withClient(client) { try await $0.get(Namespace.self, name: "no-such-namespace") }
        }
        #expect(error.reason == .notFound)
        #expect(error.status?.details?.name == "no-such-namespace")
    }

    @Test func serviceAccountTokenFromAFileAuthenticatesAndRBACForbids() async throws {
        let plane = try await LocalControlPlane.shared()
        let admin = try KubernetesClient(configuration: plane.configuration())
        let namespace = "token-\(UInt32.random(in: 0...UInt32.max))"
        let token = try await withClient(admin) { admin in
            try await admin.send(.POST, "/api/v1/namespaces", body: Array(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(namespace)"}}"#.utf8))
            return try await ServiceAccountTokens.token(for: "reader", namespace: namespace, admin: admin)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sa-token-\(namespace)")
        try Data(token.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        var config = try plane.configuration()
        config.clientCertificate = nil
        config.token = .file(file.path)
        let reader = try KubernetesClient(configuration: config)
        let (discovery, error) = try await withClient(reader) { reader in
            let discovery = try await reader.send(.GET, "/api")
            let error = await #expect(throws: KubernetesError.self) { try await reader.list(Namespace.self) }
            return (discovery, error)
        }
        #expect(String(decoding: discovery, as: UTF8.self).contains(#""versions":["v1"]"#))
        #expect(error?.reason == .forbidden)
        #expect(error?.message.contains("system:serviceaccount:\(namespace):reader") == true)
        try await withClient(KubernetesClient(configuration: plane.configuration())) {
            try await $0.send(.DELETE, "/api/v1/namespaces/\(namespace)")
        }
    }
}
