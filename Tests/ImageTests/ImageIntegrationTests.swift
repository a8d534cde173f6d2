import Foundation
import KubernetesAPI
import KubernetesClient
import PodSimulator
import ResilienceCore
import TestSupport
import Testing

/// The image as users run it: built by `hack/build-image.sh`, installed with the current kubectl from
/// `manifests/` (cluster-wide) or `manifests/namespaced/`, and run from its unpacked layers in-cluster, as
/// the rendered Deployment says, with its ServiceAccount's token. On a plane of its own: a cluster-wide
/// operator would act on every other suite's policies.
@Suite(.serialized) struct ImageIntegrationTests {
    private static let simulation = Task<(LocalControlPlane, Simulator), any Error> {
        let plane = try await LocalControlPlane.installs()
        return (plane, try await TestSimulation.start(on: plane))
    }

    @Test func theImageHoldsTheStrippedBinaryItsLibrariesAndCertificatesAndRunsAsNonRoot() async throws {
        let archive = try await ImageArchive.built()
        let rootfs = try Self.scratchFolder("image-contents")
        defer { try? FileManager.default.removeItem(atPath: rootfs) }
        let config = try await archive.unpack(into: rootfs)
        #expect(config.User == "65532:65532")
        #expect(config.Entrypoint == ["/usr/local/bin/resilience-operator"])
        let labels = config.Labels ?? [:]
        #expect(labels["org.opencontainers.image.title"] == "resilience-operator")
        #expect(labels["org.opencontainers.image.version"] == ProjectVersion.current)
        #expect(archive.path.hasSuffix("resilience-operator-\(ProjectVersion.current).oci.tar"), "the tag is the project's version")
        #expect((labels["org.opencontainers.image.revision"] ?? "").count >= 40, "\(labels)")
        #expect(!(labels["org.opencontainers.image.source"] ?? "").isEmpty)

        // Nothing but the binary, the shared libraries it loads, CA certificates, passwd and group, and the
        // time zones of policies' windows.
        let files = try FileManager.default.subpathsOfDirectory(atPath: rootfs).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: rootfs + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        let fixed: Set = ["usr/local/bin/resilience-operator", "etc/ssl/certs/ca-certificates.crt", "etc/passwd", "etc/group"]
        #expect(fixed.isSubset(of: Set(files)), "\(files)")
        #expect(files.contains("usr/share/zoneinfo/Europe/Berlin"), "the time zones")
        let others = files.filter { !fixed.contains($0) && !$0.hasPrefix("usr/share/zoneinfo/") }
        #expect(others.allSatisfy { ($0.hasPrefix("lib") || $0.hasPrefix("usr/lib")) && $0.contains(".so") }, "\(others)")
        // Swift's runtime is linked in statically, and neither full Foundation nor ICU's data comes along.
        #expect(!others.contains { $0.contains("swift") || $0.contains("Foundation") || $0.contains("icu") }, "\(others)")
        let binary = try Data(contentsOf: URL(fileURLWithPath: rootfs + "/usr/local/bin/resilience-operator"))
        #expect(binary.range(of: Data("FoundationInternationalization".utf8)) == nil, "full Foundation linked in")
        #expect(binary.range(of: Data(".symtab".utf8)) == nil, "not stripped")
        #expect(try String(contentsOfFile: rootfs + "/etc/passwd", encoding: .utf8).contains(":65532:65532:"))

        // What README's install does with it: skopeo reads the archive as a registry copy would.
        let inspect = try await ProcessRunner.run("/usr/bin/skopeo", ["inspect", "--config", "oci-archive:\(archive.path)"])
        #expect(inspect.exitCode == 0, "\(inspect.output)")
        #expect(inspect.output.contains(#""User": "65532:65532""#), "\(inspect.output)")
        let copied = rootfs + ".docker-archive.tar"
        defer { try? FileManager.default.removeItem(atPath: copied) }
        let copy = try await ProcessRunner.run("/usr/bin/skopeo", ["copy", "oci-archive:\(archive.path)", "docker-archive:\(copied):resilience-operator:\(ProjectVersion.current)"])
        #expect(copy.exitCode == 0, "\(copy.output)")
        #expect(FileManager.default.fileExists(atPath: copied))
    }

    /// README's push, to a real registry on loopback (plain HTTP here, hence no TLS verification), and
    /// the image read back from it as a cluster would pull it.
    @Test func skopeoPushesTheArchiveToARegistry() async throws {
        let archive = try await ImageArchive.built()
        let registry = try RegistryProcess()
        defer { registry.stop() }
        try await registry.ready()
        let reference = "docker://\(registry.host)/platform/resilience-operator:\(ProjectVersion.current)"
        let push = try await ProcessRunner.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "oci-archive:\(archive.path)", reference])
        #expect(push.exitCode == 0, "\(push.output)")
        let pulled = try await ProcessRunner.run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "--config", reference])
        #expect(pulled.exitCode == 0, "\(pulled.output)")
        #expect(pulled.output.contains(#""org.opencontainers.image.version": "\#(ProjectVersion.current)""#), "\(pulled.output)")
        #expect(pulled.output.contains(#""User": "65532:65532""#), "\(pulled.output)")
    }

    /// `hack/binary-size.sh`, which README's account comes from, charges every loaded section to a package.
    @Test func theSizeAccountChargesEveryLoadedSectionToAPackage() async throws {
        _ = try await ImageArchive.built()  // the release build it relinks with a map
        let result = try await ProcessRunner.run("/bin/bash", [RepositoryPaths.root + "/hack/binary-size.sh"])
        #expect(result.exitCode == 0, "\(result.output)")
        let rows = result.output.split(separator: "\n").compactMap { line -> (String, Double)? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let share = fields.last, share.hasSuffix("%"), let value = Double(share.dropLast()) else { return nil }
            return (fields.dropLast(2).joined(separator: " "), value)
        }
        #expect(rows.count > 10, "\(result.output)")
        #expect(!rows.contains { $0.0 == "(unknown)" }, "\(result.output)")
        #expect(abs(rows.map(\.1).reduce(0, +) - 100) < 1, "\(result.output)")
        for package in ["resilience-operator", "Swift runtime and standard library", "swift-nio", "hummingbird"] {
            #expect(rows.contains { $0.0 == package }, "\(package) missing: \(result.output)")
        }
    }

    @Test func clusterWideInstallFromTheImageRecoversACrashLoopWithoutAForbiddenRequest() async throws {
        let (plane, _) = try await Self.simulation.value
        try await Self.removeNamespace("resilience-system", plane: plane)
        try await plane.currentKubectl(["apply", "-k", RepositoryPaths.root + "/manifests"])
        try await plane.waitUntilEstablished(crd: "resiliencepolicies.resilience.dev")
        try await withClient(KubernetesClient(configuration: plane.configuration())) { admin in
            try await withNamespace("image-app", client: admin) { app in
                try await Self.recoverFromTheImage(kustomization: RepositoryPaths.root + "/manifests", app: app, plane: plane, admin: admin)
            }
        }
        // Uninstall, as README says: the CRD goes, and with it every policy.
        try await plane.currentKubectl(["delete", "-k", RepositoryPaths.root + "/manifests", "--wait=false"])
        try await eventually("the CRD removed", timeout: .seconds(60)) { () -> Bool? in
            (try? await plane.currentKubectl(["get", "crd", "resiliencepolicies.resilience.dev"])) == nil ? true : nil
        }
        try await Self.removeNamespace("resilience-system", plane: plane)
    }

    /// Removes `namespace` and waits until it is gone. The operator Deployment's own pods are bound to a
    /// node no kubelet plays, so nothing would confirm their graceful deletion: they are deleted at once;
    /// and a policy left from a failed run would wait for an operator that no longer runs to lift its
    /// finalizer: it is lifted by hand, as README says.
    private static func removeNamespace(_ namespace: String, plane: LocalControlPlane) async throws {
        try await plane.currentKubectl(["delete", "namespace", namespace, "--ignore-not-found", "--wait=false"])
        try await eventually("namespace \(namespace) gone", timeout: .seconds(90)) { () -> Bool? in
            try await plane.currentKubectl(["-n", namespace, "delete", "pods", "--all", "--grace-period=0", "--force", "--ignore-not-found"])
            let policies = (try? await plane.currentKubectl(["-n", namespace, "get", "resiliencepolicies", "-o", "name"])) ?? ""
            for policy in policies.split(separator: "\n") where !policy.isEmpty {
                _ = try? await plane.currentKubectl(["-n", namespace, "patch", String(policy), "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#])
            }
            return try await plane.currentKubectl(["get", "namespace", namespace, "--ignore-not-found", "-o", "name"]).isEmpty ? true : nil
        }
    }

    @Test func namespacedInstallFromTheImageActsOnlyInItsNamespace() async throws {
        let (plane, _) = try await Self.simulation.value
        let overlay = RepositoryPaths.root + "/manifests/namespaced"
        // A cluster admin installs the CRD; the team applies the overlay into its namespace.
        try await plane.currentKubectl(["apply", "-k", RepositoryPaths.root + "/crds"])
        try await plane.waitUntilEstablished(crd: "resiliencepolicies.resilience.dev")
        let spec = try await OperatorPodSpec.rendered(overlay)
        try await Self.removeNamespace(spec.namespace, plane: plane)
        try await withClient(KubernetesClient(configuration: plane.configuration())) { admin in
            try await plane.currentKubectl(["create", "namespace", spec.namespace])
            do {
                try await plane.currentKubectl(["apply", "-k", overlay])
                // A policy in another namespace: the namespaced operator neither sees nor touches it.
                try await withNamespace("image-other", client: admin) { other in
                    try await admin.send(.POST, "/apis/apps/v1/namespaces/\(other)/deployments", body: TestSimulation.deployment("web", replicas: 2).deployment)
                    try await admin.send(.POST, ResiliencePolicy.path(namespace: other), body: PolicyCRD.body(name: "web", spec: Self.crashPolicy))
                    try await Self.recoverFromTheImage(kustomization: overlay, app: spec.namespace, plane: plane, admin: admin)
                    #expect(try await admin.get(ResiliencePolicy.self, name: "web", namespace: other).status == nil)
                }
            } catch {
                try? await Self.removeNamespace(spec.namespace, plane: plane)
                throw error
            }
            // Uninstall: the overlay's objects, then the team's namespace.
            try await plane.currentKubectl(["delete", "-k", overlay, "--wait=false"])
            try await Self.removeNamespace(spec.namespace, plane: plane)
        }
    }

    /// The check on the operator's log: refusals count; a namespace whose random suffix holds 403 does not,
    /// nor a timestamp whose milliseconds are 403 (it failed CI once).
    @Test func forbiddenRequestsAreFoundAndRandomNumbersAreNot() {
        let lines = [
            #"{"message":"list failed","error":"GET /api/v1/pods: pods is forbidden: User \"system:serviceaccount:x:y\" cannot list resource \"pods\""}"#,
            #"{"message":"write failed","status":"403"}"#,
            #"{"message":"acted","policy":"image-app-2095041403/web","time":"2026-11-29T22:10:55.682Z"}"#,
            #"{"message":"planning again when a timed rule falls due","in":"596596 ms","time":"2026-11-30T01:03:44.403Z"}"#,
            #"{"message":"planning again when a timed rule falls due","in":"403 ms","time":"2026-11-30T05:16:11.712Z"}"#,
        ]
        #expect(ForbiddenRequests.lines(in: lines) == Array(lines.prefix(2)))
    }

    private static let crashPolicy = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","maxUnhealthy":"50%"}}"#

    /// Runs the image as `kustomization`'s Deployment says, with its ServiceAccount's token, and checks it
    /// syncs, serves /readyz and /metrics, recovers a crash-looping pod in `app`, holds the Lease, logs
    /// no forbidden request and stops cleanly on SIGTERM.
    private static func recoverFromTheImage(kustomization: String, app: String, plane: LocalControlPlane, admin: KubernetesClient) async throws {
        let archive = try await ImageArchive.built()
        let rootfs = try scratchFolder("image-run")
        defer { try? FileManager.default.removeItem(atPath: rootfs); try? FileManager.default.removeItem(atPath: rootfs + ".run") }
        let config = try await archive.unpack(into: rootfs)

        // The Deployment's own pod (Pending: no kubelet plays its node) is the one this container is.
        let spec = try await OperatorPodSpec.rendered(kustomization)
        let podName = try await eventually("the operator Deployment's pod") { () -> String? in
            try await admin.list(Pod.self, namespace: spec.namespace, options: ListOptions(labelSelector: "app.kubernetes.io/name=resilience-operator"))
                .items.first?.metadata.name
        }
        #expect(spec.image.hasPrefix("resilience-operator:"), "\(spec.image)")
        let pod = spec.forPod(podName)

        // The ServiceAccount folder as the kubelet mounts it: a TokenRequest token, the CA, the namespace.
        let serviceAccount = rootfs + ".serviceaccount"
        try FileManager.default.createDirectory(atPath: serviceAccount, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: serviceAccount) }
        let token = try await ServiceAccountTokens.token(for: "resilience-operator", namespace: spec.namespace, admin: admin)
        try Data(token.utf8).write(to: URL(fileURLWithPath: serviceAccount + "/token"))
        try FileManager.default.copyItem(atPath: plane.stateDirectory + "/pki/ca.crt", toPath: serviceAccount + "/ca.crt")
        try Data(spec.namespace.utf8).write(to: URL(fileURLWithPath: serviceAccount + "/namespace"))
        for file in ["token", "ca.crt", "namespace"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: serviceAccount + "/" + file)
        }

        try await admin.send(.POST, "/apis/apps/v1/namespaces/\(app)/deployments", body: TestSimulation.deployment("web", replicas: 3).deployment)
        try await admin.send(.POST, ResiliencePolicy.path(namespace: app), body: PolicyCRD.body(name: "web", spec: crashPolicy))

        let port = try #require(URL(string: try plane.configuration().server)?.port)
        let container = try ImageContainer(
            rootfs: rootfs, config: config, arguments: pod.arguments,
            environment: pod.environment.merging(["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "\(port)"]) { _, new in new },
            serviceAccount: serviceAccount, apiServerPort: port)
        do {
            let ready = try await eventually("/readyz once the caches synced", timeout: .seconds(60)) { () -> Bool? in
                guard container.isRunning else { return false }
                return try? await container.get("/readyz").status == 200 ? true : nil
            }
            guard ready else { throw TestSupportError("the operator exited before it was ready") }
            let pods = try await TestSimulation.readyPods(3, in: app, selector: "app=web", client: admin)
            let victim = try #require(pods.first?.metadata.name)
            try await TestSimulation.setFaults("crashLoop", on: victim, in: app, client: admin)
            try await eventually("the crash-looping pod evicted by the image's operator", timeout: .seconds(90)) { () -> Bool? in
                try await admin.get(ResiliencePolicy.self, name: "web", namespace: app).status?.lastActions?
                    .contains { $0.pod == victim && $0.result == "succeeded" } == true ? true : nil
            }
            let metrics = try await container.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains(#"resilience_actions_total{policy="\#(app)/web""#), "\(metrics.body.prefix(2000))")
            let lease = try await admin.get(Lease.self, name: "resilience-operator", namespace: spec.namespace)
            #expect(lease.spec.holderIdentity == podName)
            // Uninstall as README says: the policies first, while the operator runs; it lifts their finalizer.
            #expect(try await admin.get(ResiliencePolicy.self, name: "web", namespace: app).metadata.finalizers == ["resilience.dev/undo"])
            try await admin.delete(ResiliencePolicy.self, name: "web", namespace: app)
            try await eventually("the policy gone, let go by the image's operator", timeout: .seconds(30)) { () -> Bool? in
                do {
                    _ = try await admin.get(ResiliencePolicy.self, name: "web", namespace: app)
                    return nil
                } catch let error as KubernetesError where error.reason == .notFound {
                    return true
                }
            }
        } catch {
            _ = await container.terminate()
            throw TestSupportError("\(error)\n--- the container's log ---\n\(container.log.suffix(4000))")
        }
        let exitCode = await container.terminate()
        let log = container.log
        #expect(exitCode == 0, "SIGTERM: a clean stop\n\(log.suffix(3000))")
        let lines = log.split(separator: "\n")
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] }, "the manifests ask for JSON logs: \(log.suffix(2000))")
        let forbidden = ForbiddenRequests.lines(in: lines)
        #expect(forbidden.isEmpty, "\(forbidden)")
    }

    private static func scratchFolder(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
