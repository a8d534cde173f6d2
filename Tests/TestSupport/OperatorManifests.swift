/// `kubectl apply -k manifests/` (the current kubectl: 1.20's kustomize reads no folders in `resources`)
/// on the shared plane, once for every suite that needs the operator's namespace, ServiceAccount and
/// RBAC: suites that applied them each on their own raced each other.
public enum OperatorManifests {
    public static func installed() async throws -> LocalControlPlane {
        try await installation.value
    }

    private static let installation = Task<LocalControlPlane, any Error> {
        let plane = try await PolicyCRD.installed()
        try await plane.currentKubectl(["apply", "-k", RepositoryPaths.root + "/manifests"])
        return plane
    }
}
