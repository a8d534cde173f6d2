import Foundation
import KubernetesClient
import Testing

@Suite struct InClusterConfigurationTests {
    private func serviceAccountFolder(namespace: String? = "shop\n") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("token".utf8).write(to: folder.appendingPathComponent("token"))
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: folder.appendingPathComponent("ca.crt"))
        if let namespace { try Data(namespace.utf8).write(to: folder.appendingPathComponent("namespace")) }
        return folder
    }

    @Test func readsTheServiceAccountMount() throws {
        let folder = try serviceAccountFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try ConfigurationLoader.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: folder.path)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.namespace == "shop")
        #expect(config.certificateAuthorityPEM == Array("-----BEGIN CERTIFICATE-----\n".utf8))
        guard case .file(let path) = config.token else {
            Issue.record("expected the token file")
            return
        }
        #expect(path == folder.path + "/token")
    }

    @Test func bracketsIPv6AndDefaultsTheNamespace() throws {
        let folder = try serviceAccountFolder(namespace: nil)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try ConfigurationLoader.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"],
            serviceAccountDirectory: folder.path)
        #expect(config.server == "https://[fd00::1]:6443")
        #expect(config.namespace == "default")
    }

    @Test func loaderUsesInClusterOnlyWithoutAKubeconfig() throws {
        let folder = try serviceAccountFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "HOME": "/home/x"]
        #expect(try ConfigurationLoader.load(environment: environment, serviceAccountDirectory: folder.path).source == "in-cluster configuration")
        #expect(throws: ConfigurationError("kubeconfig /k: cannot read the file")) {
            try ConfigurationLoader.load(environment: environment.merging(["KUBECONFIG": "/k"]) { $1 }, serviceAccountDirectory: folder.path)
        }
    }

    @Test func missingPiecesNameWhatIsMissing() throws {
        #expect(throws: ConfigurationError("in-cluster configuration: KUBERNETES_SERVICE_PORT is 'https', not a port")) {
            try ConfigurationLoader.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "https"])
        }
        #expect(throws: ConfigurationError("in-cluster configuration: the service-account token /nowhere/token cannot be read")) {
            try ConfigurationLoader.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], serviceAccountDirectory: "/nowhere")
        }
    }
}
