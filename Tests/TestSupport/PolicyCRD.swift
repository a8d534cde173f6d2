import Foundation
import KubernetesAPI
import KubernetesClient
import ResilienceCore

/// Installs crds/ on the shared plane once per test process.
public enum PolicyCRD {
    public static func installed() async throws -> LocalControlPlane {
        try await installation.value
    }

    private static let installation = Task<LocalControlPlane, any Error> {
        let plane = try await LocalControlPlane.shared()
        try await plane.kubectl(["apply", "-f", RepositoryPaths.root + "/crds/resilience.dev_resiliencepolicies.yaml"])
        try await plane.waitUntilEstablished(crd: "resiliencepolicies.resilience.dev")
        // kubectl caches discovery; wait until it knows the short name.
        try await eventually("kubectl to know 'rp'", timeout: .seconds(30)) { () -> Bool? in
            (try? await plane.kubectl(["get", "rp", "-A"])) != nil ? true : nil
        }
        // kubectl explain reads /openapi/v2, which the API server republishes a while after the CRD is
        // Established.
        try await eventually("the CRD's schema in /openapi/v2", timeout: .seconds(60)) { () -> Bool? in
            (try? await plane.kubectl(["explain", "rp.spec.safety"])) != nil ? true : nil
        }
        return plane
    }

    /// A policy body with `spec` as given, as a user would POST it.
    public static func body(name: String, spec: String) -> [UInt8] {
        Array(#"{"apiVersion":"resilience.dev/v1alpha1","kind":"ResiliencePolicy","metadata":{"name":"\#(name)"},"spec":\#(spec)}"#.utf8)
    }
}
