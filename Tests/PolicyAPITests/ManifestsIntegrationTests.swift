import Foundation
import KubernetesAPI
import KubernetesClient
import TestSupport
import Testing
import Yams

/// manifests/ installs, and its ServiceAccount can do exactly what the operator needs.
@Suite(.serialized) struct ManifestsIntegrationTests {
    private static let manifests = RepositoryPaths.root + "/manifests"

    /// What users apply with kubectl: the CRD alone, the cluster-wide install, the namespaced overlay and
    /// the example overlay with a registry's image.
    static let kustomizations = ["crds", "manifests", "manifests/namespaced", "examples/install"]

    /// Each kustomization, in a server-side dry run through the current kubectl (strict field validation,
    /// kustomize v5) and through the 1.20 one built here (its kustomize v2.0.3 reads no folders in
    /// `resources`, so it applies what the current one renders, as `kustomize build | kubectl apply`).
    @Test(arguments: kustomizations)
    func bothKubectlsAcceptItInAServerDryRun(_ kustomization: String) async throws {
        // Applied for real first, with the overlay's namespace (a server-side dry run cannot create the
        // namespace the other objects go into); the dry run still has the server check every object.
        let plane = try await OperatorManifests.installed()
        let folder = RepositoryPaths.root + "/" + kustomization
        let rendered = try await plane.currentKubectl(["kustomize", folder])
        let objects = try Yams.load_all(yaml: rendered).compactMap { $0 as? [String: Any] }.map { object in
            ((object["kind"] as? String ?? "").lowercased(), (object["metadata"] as? [String: Any])?["name"] as? String ?? "")
        }
        #expect(!objects.isEmpty)
        let current = try await plane.currentKubectl(["apply", "--dry-run=server", "-k", folder])
        let legacy = try await plane.kubectl(["apply", "--dry-run=server", "-f", "-"], stdin: rendered)
        for (name, output) in [("current", current), ("1.20", legacy)] {
            let lines = output.split(separator: "\n").filter { $0.hasSuffix("(server dry run)") }
            #expect(lines.count == objects.count, "\(name) kubectl: \(output)")
            for (kind, objectName) in objects {
                #expect(lines.contains { $0.hasPrefix(kind) && $0.contains("/\(objectName) ") }, "\(name) kubectl: \(kind)/\(objectName) missing from \(output)")
            }
        }
    }

    /// The namespaced Role grants exactly what the cluster-wide ClusterRole does.
    @Test func theNamespacedRoleKeepsInStepWithTheClusterRole() throws {
        func rules(_ file: String) throws -> NSArray {
            let document = try #require(try Yams.load(yaml: String(contentsOfFile: RepositoryPaths.root + "/manifests/" + file, encoding: .utf8)) as? [String: Any])
            return NSArray(array: try #require(document["rules"] as? [Any]))
        }
        let cluster = try rules("cluster-role.yaml")
        #expect(cluster.count > 5)
        #expect(try rules("namespaced/role.yaml").isEqual(cluster))
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
        Access(verb: "watch", group: "apps", resource: "statefulsets", allowed: true),
        Access(verb: "patch", group: "apps", resource: "statefulsets", allowed: true),
        Access(verb: "get", group: "apps", resource: "controllerrevisions", allowed: true),
        Access(verb: "watch", group: "apps", resource: "controllerrevisions", allowed: true),
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
        Access(verb: "watch", resource: "events", allowed: true),
        Access(verb: "watch", group: "resilience.dev", resource: "resiliencepolicies", allowed: true),
        Access(verb: "update", group: "resilience.dev", resource: "resiliencepolicies", subresource: "status", allowed: true),
        Access(verb: "patch", group: "resilience.dev", resource: "resiliencepolicies", allowed: true),
        Access(verb: "get", resource: "secrets", allowed: true),
        Access(verb: "get", group: "coordination.k8s.io", resource: "leases", namespace: "resilience-system", allowed: true),
        Access(verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: "resilience-system", allowed: true),
        Access(verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "resilience-system", allowed: true),
        Access(verb: "watch", resource: "configmaps", namespace: "resilience-system", allowed: true),
        // What it does not need.
        Access(verb: "watch", resource: "configmaps", namespace: "kube-system", allowed: false),
        Access(verb: "create", resource: "configmaps", namespace: "resilience-system", allowed: false),
        Access(verb: "list", resource: "secrets", allowed: false),
        Access(verb: "watch", resource: "secrets", allowed: false),
        Access(verb: "delete", group: "apps", resource: "deployments", allowed: false),
        Access(verb: "update", group: "apps", resource: "statefulsets", subresource: "scale", allowed: false),
        Access(verb: "patch", group: "apps", resource: "controllerrevisions", allowed: false),
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
        try await Self.check(access, token: Self.operatorToken.value)
    }

    /// The namespaced install's ServiceAccount: in its own namespace what the cluster-wide one may do
    /// anywhere, its Lease included; elsewhere and cluster-wide, nothing.
    static let namespacedAccesses: [Access] = {
        let own = OperatorManifests.namespacedOverlayNamespace
        var result: [Access] = []
        for access in accesses where access.namespace == "shop" && access.resource != "leases" && access.resource != "configmaps" {
            var inside = access
            inside.namespace = own
            var outside = access
            outside.allowed = false
            result += [inside, outside]
        }
        for verb in ["get", "create", "update"] {
            result.append(Access(verb: verb, group: "coordination.k8s.io", resource: "leases", namespace: own, allowed: true))
            result.append(Access(verb: verb, group: "coordination.k8s.io", resource: "leases", namespace: "resilience-system", allowed: false))
        }
        result.append(Access(verb: "watch", resource: "configmaps", namespace: own, allowed: true))
        result.append(Access(verb: "watch", resource: "configmaps", namespace: "resilience-system", allowed: false))
        return result + accesses.filter { $0.namespace.isEmpty }
    }()

    @Test(arguments: namespacedAccesses)
    func namespacedServiceAccountActsOnlyInItsNamespace(_ access: Access) async throws {
        try await Self.check(access, token: Self.namespacedToken.value)
    }

    /// Asks the API server whether the bearer of `token` may do `access`.
    private static func check(_ access: Access, token: String) async throws {
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

    /// `kubectl apply -k manifests/namespaced/` for real, then a token for its ServiceAccount.
    private static let namespacedToken = Task<String, any Error> {
        let plane = try await OperatorManifests.installed()
        try await plane.currentKubectl(["apply", "-k", RepositoryPaths.root + "/manifests/namespaced"])
        return try await withClient(KubernetesClient(configuration: plane.configuration())) { admin in
            try await ServiceAccountTokens.token(for: "resilience-operator", namespace: OperatorManifests.namespacedOverlayNamespace, admin: admin)
        }
    }
}
