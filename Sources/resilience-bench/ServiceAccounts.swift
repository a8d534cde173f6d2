import Foundation
import KubernetesAPI
import KubernetesClient

/// The benchmark's subjects' identities: a ServiceAccount each in the `resilience-bench` namespace (whose
/// group the bench plane's audit policy logs), bound to cluster-admin, with a TokenRequest token.
struct ServiceAccounts {
    static let namespace = "resilience-bench"
    let client: KubernetesClient

    func tokens(for names: [String]) async throws -> [String: String] {
        do {
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: Self.namespace)))
        } catch let error as KubernetesError where error.reason == .alreadyExists {}
        var tokens: [String: String] = [:]
        for name in names {
            let account = #"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"\#(name)"}}"#
            let binding = #"""
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"resilience-bench-\#(name)"},
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
                 "subjects":[{"kind":"ServiceAccount","name":"\#(name)","namespace":"\#(Self.namespace)"}]}
                """#
            for (path, body) in [("/api/v1/namespaces/\(Self.namespace)/serviceaccounts", account),
                                 ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding)] {
                do {
                    _ = try await client.send(.POST, path, body: Array(body.utf8))
                } catch let error as KubernetesError where error.reason == .alreadyExists {}
            }
            let request = #"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":86400}}"#
            let answer = try await client.send(.POST, "/api/v1/namespaces/\(Self.namespace)/serviceaccounts/\(name)/token", body: Array(request.utf8))
            struct Response: Decodable { var status: Status; struct Status: Decodable { var token: String } }
            tokens[name] = try JSONDecoder().decode(Response.self, from: Data(answer)).status.token
        }
        return tokens
    }

    /// A kubeconfig for a subject: the admin's cluster (or `server` instead of its address, a proxy's),
    /// authenticated by `token`, written to `path`.
    static func kubeconfig(admin: KubeConfig, token: String, server: String? = nil, to path: String) throws -> String {
        let context = admin.currentContext.flatMap { admin.contexts[$0] }
        guard let cluster = context.flatMap({ admin.clusters[$0.cluster] }), let address = cluster.server else {
            throw BenchError("the admin kubeconfig names no cluster")
        }
        var authority = ""
        if let data = cluster.certificateAuthorityData {
            authority = "certificate-authority-data: \(data)"
        } else if let file = cluster.certificateAuthority {
            authority = "certificate-authority: \(file.hasPrefix("/") ? file : "\(admin.directory)/\(file)")"
        }
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: bench
              cluster:
                server: \(server ?? address)
                \(authority)
            users:
            - name: bench
              user:
                token: \(token)
            contexts:
            - name: bench
              context:
                cluster: bench
                user: bench
            current-context: bench

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
