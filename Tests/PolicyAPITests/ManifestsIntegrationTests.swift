import Foundation
import KubernetesAPI
import KubernetesClient
import TestSupport
import Testing

/// manifests/ installs, and its ServiceAccount can do exactly what the operator needs.
@Suite(.serialized) struct ManifestsIntegrationTests {
    private static let manifests = RepositoryPaths.root + "/manifests"

    @Test func serverDryRunAcceptsEverything() async throws {
        // Applied for real first (a server-side dry run cannot create the namespace the other objects go
        // into); the dry run still has the server check every object.
        let plane = try await OperatorManifests.installed()
        let output = try await plane.kubectl(["apply", "--dry-run=server", "-k", Self.manifests])
        for object in ["serviceaccount/resilience-operator", "clusterrole.rbac.authorization.k8s.io/resilience-operator",
                       "role.rbac.authorization.k8s.io/resilience-operator-leader-election", "deployment.apps/resilience-operator",
                       "service/resilience-operator-metrics", "customresourcedefinition.apiextensions.k8s.io/resiliencepolicies.resilience.dev"] {
            #expect(output.contains(object), "\(object) missing from: \(output)")
        }
    }

    /// One question to the API server, asked with the operator's own token.
    struct Access: Sendable, CustomTestStringConvertible {
        var verb: String
        var group = ""
        var resource: String
        var subresource = ""
        var namespace = "shop"
        var allowed: Bool
        var testDescription: String {
            "\(allowed ? "may" : "may not") \(verb) \(group.isEmpty ? "" : "\(group)/")\(resource)\(subresource.isEmpty ? "" : "/\(subresource)") in \(namespace)"
        }
    }

    static let accesses: [Access] = [
        // What the operator needs.
        Access(verb: "list", resource: "pods", allowed: true),
        Access(verb: "watch", resource: "pods", allowed: true),
        Access(verb: "list", group: "apps", resource: "deployments", allowed: true),
        Access(verb: "watch", group: "apps", resource: "deployments", allowed: true),
        Access(verb: "list", group: "apps", resource: "replicasets", allowed: true),
        Access(verb: "watch", group: "apps", resource: "replicasets", allowed: true),
        Access(verb: "list", group: "policy", resource: "poddisruptionbudgets", allowed: true),
        Access(verb: "watch", group: "policy", resource: "poddisruptionbudgets", allowed: true),
        Access(verb: "list", resource: "services", allowed: true),
        Access(verb: "watch", resource: "endpoints", allowed: true),
        Access(verb: "watch", group: "discovery.k8s.io", resource: "endpointslices", allowed: true),
        Access(verb: "patch", group: "apps", resource: "deployments", allowed: true),
        Access(verb: "update", group: "apps", resource: "deployments", subresource: "scale", allowed: true),
        Access(verb: "patch", group: "autoscaling", resource: "horizontalpodautoscalers", allowed: true),
        Access(verb: "create", resource: "pods", subresource: "eviction", allowed: true),
        Access(verb: "patch", resource: "pods", subresource: "status", allowed: true),
        Access(verb: "delete", resource: "pods", allowed: true),
        Access(verb: "create", resource: "events", allowed: true),
        Access(verb: "patch", resource: "events", allowed: true),
        Access(verb: "list", resource: "events", allowed: true),
        Access(verb: "watch", group: "resilience.dev", resource: "resiliencepolicies", allowed: true),
        Access(verb: "update", group: "resilience.dev", resource: "resiliencepolicies", subresource: "status", allowed: true),
        Access(verb: "get", resource: "secrets", allowed: true),
        Access(verb: "get", group: "coordination.k8s.io", resource: "leases", namespace: "resilience-system", allowed: true),
        Access(verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: "resilience-system", allowed: true),
        Access(verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "resilience-system", allowed: true),
        // What it does not need.
        Access(verb: "list", resource: "secrets", allowed: false),
        Access(verb: "watch", resource: "secrets", allowed: false),
        Access(verb: "delete", group: "apps", resource: "deployments", allowed: false),
        Access(verb: "create", group: "apps", resource: "deployments", allowed: false),
        Access(verb: "update", group: "resilience.dev", resource: "resiliencepolicies", allowed: false),
        Access(verb: "delete", group: "resilience.dev", resource: "resiliencepolicies", allowed: false),
        Access(verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", allowed: false),
        Access(verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: "shop", allowed: false),
        Access(verb: "create", resource: "pods", allowed: false),
        Access(verb: "patch", resource: "nodes", namespace: "", allowed: false),
        Access(verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings", namespace: "", allowed: false),
    ]

    @Test(arguments: accesses)
    func serviceAccountHasExactlyWhatTheOperatorNeeds(_ access: Access) async throws {
        let token = try await Self.operatorToken.value
        let plane = try await PolicyCRD.installed()
        var configuration = try plane.configuration()
        configuration.clientCertificate = nil
        configuration.token = .inline(token)
        let review = #"""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":
             {"namespace":"\#(access.namespace)","verb":"\#(access.verb)","group":"\#(access.group)","resource":"\#(access.resource)","subresource":"\#(access.subresource)"}}}
            """#
        let answer = try await withClient(KubernetesClient(configuration: configuration)) {
            try await $0.send(.POST, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body: Array(review.utf8))
        }
        let status = (try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])?["status"] as? [String: Any]
        #expect(status?["allowed"] as? Bool ?? false == access.allowed, "\(access.testDescription): \(status ?? [:])")
    }

    /// `kubectl apply -k manifests/` for real, then a token for its ServiceAccount.
    private static let operatorToken = Task<String, any Error> {
        let plane = try await OperatorManifests.installed()
        return try await withClient(KubernetesClient(configuration: plane.configuration())) { admin in
            try await ServiceAccountTokens.token(for: "resilience-operator", namespace: "resilience-system", admin: admin)
        }
    }
}
