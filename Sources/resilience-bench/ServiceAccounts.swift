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
}
