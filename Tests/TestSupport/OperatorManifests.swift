/// `kubectl apply -k manifests/` (the current kubectl: 1.20's kustomize reads no folders in `resources`)
/// on the shared plane, once for every suite that needs the operator's namespace, ServiceAccount and
/// RBAC: suites that applied them each on their own raced each other.
public enum OperatorManifests {
    /// The namespace `manifests/namespaced/` installs into.
    public static let namespacedOverlayNamespace = "apps"

    public static func installed() async throws -> LocalControlPlane {
        try await installation.value
    }

    private static let installation = Task<LocalControlPlane, any Error> {
        let plane = try await PolicyCRD.installed()
        try await plane.currentKubectl(["apply", "-k", RepositoryPaths.root + "/manifests"])
        // The namespace of the namespaced overlay (which leaves creating it to its team), for dry runs.
        let namespace = try await plane.currentKubectl(["create", "namespace", namespacedOverlayNamespace, "--dry-run=client", "-o", "yaml"])
        try await plane.currentKubectl(["apply", "-f", "-"], stdin: namespace)
        return plane
    }
}
