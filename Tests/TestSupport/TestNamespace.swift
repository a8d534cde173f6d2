import Foundation
import KubernetesAPI
import KubernetesClient

/// Runs `body` in a fresh namespace `<prefix>-<random>` and removes the namespace afterwards, whether
/// `body` returns or throws.
///
/// The namespace is ready for pods when `body` starts: Kubernetes 1.20's ServiceAccount admission refuses
/// pods with `500 ServerTimeout` until the token controller has given the `default` ServiceAccount a token,
/// so this waits for that token.
@discardableResult
public func withNamespace<T: Sendable>(
    _ prefix: String,
    client: KubernetesClient,
    _ body: (String) async throws -> T
) async throws -> T {
    let name = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    _ = try await client.create(Namespace(metadata: ObjectMeta(name: name)))
    do {
        try await eventually("a token for the default ServiceAccount of \(name)", timeout: .seconds(30), every: .milliseconds(50)) { () -> Bool? in
            let bytes = try await client.send(.GET, "/api/v1/namespaces/\(name)/serviceaccounts/default")
            let account = try JSONDecoder().decode(ServiceAccountSecrets.self, from: Data(bytes))
            return account.secrets?.isEmpty == false ? true : nil
        }
        let result = try await body(name)
        try await removeNamespace(name, client: client)
        return result
    } catch {
        try? await removeNamespace(name, client: client)
        throw error
    }
}

/// Deletes a namespace and its pods.
///
/// Deleting the namespace first stops its ReplicaSets from making new pods. Without a kubelet nothing
/// confirms a pod's termination, so the pods are then deleted with a grace period of 0, which lets the
/// namespace go.
public func removeNamespace(_ name: String, client: KubernetesClient) async throws {
    try await client.delete(Namespace.self, name: name)
    // Policies hold the operator's finalizer; with the test's operator stopped, nothing else removes it.
    if let bytes = try? await client.send(.GET, "/apis/resilience.dev/v1alpha1/namespaces/\(name)/resiliencepolicies"),
       let policies = try? JSONDecoder().decode(Names.self, from: Data(bytes)) {
        for policy in policies.items {
            _ = try? await client.send(.PATCH, "/apis/resilience.dev/v1alpha1/namespaces/\(name)/resiliencepolicies/\(policy.metadata.name)",
                                       body: Array(#"{"metadata":{"finalizers":null}}"#.utf8), contentType: "application/merge-patch+json")
        }
    }
    for pod in try await client.list(Pod.self, namespace: name).items {
        guard let podName = pod.metadata.name else { continue }
        do {
            try await client.delete(Pod.self, name: podName, namespace: name, options: DeleteOptions(gracePeriodSeconds: 0))
        } catch let error as KubernetesError where error.reason == .notFound {
            continue
        }
    }
}

private struct Names: Decodable {
    struct Item: Decodable {
        struct Metadata: Decodable { var name: String }
        var metadata: Metadata
    }
    var items: [Item]
}

private struct ServiceAccountSecrets: Decodable {
    var secrets: [ObjectReference]?
}
