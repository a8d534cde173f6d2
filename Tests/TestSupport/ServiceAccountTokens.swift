import Foundation
import KubernetesAPI
import KubernetesClient

/// Service accounts with real tokens from the TokenRequest API, for testing bearer-token clients.
public enum ServiceAccountTokens {
    /// Creates the service account (if needed) in `namespace` and returns a fresh token for it.
    public static func token(for name: String, namespace: String, admin: KubernetesClient) async throws -> String {
        do {
            try await admin.send(.POST, "/api/v1/namespaces/\(namespace)/serviceaccounts", body: Array(#"{"metadata":{"name":"\#(name)"}}"#.utf8))
        } catch let error as KubernetesError where error.reason == .alreadyExists {}
        let answer = try await admin.send(
            .POST, "/api/v1/namespaces/\(namespace)/serviceaccounts/\(name)/token",
            body: Array(#"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":600}}"#.utf8))
        let json = try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any]
        guard let token = (json?["status"] as? [String: Any])?["token"] as? String else {
            throw TestSupportError("the TokenRequest answer has no token")
        }
        return token
    }
}
