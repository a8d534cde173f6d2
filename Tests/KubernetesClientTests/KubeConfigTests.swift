import Foundation
import KubernetesClient
import Testing

@Suite struct KubeConfigTests {
    /// A kubeconfig shaped as kubectl writes it, with the given cluster and user bodies.
    private func yaml(cluster: String, user: String, namespace: String = "shop") -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod
          cluster:
        \(cluster.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        users:
        - name: ops
          user:
        \(user.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        contexts:
        - name: prod-ops
          context: {cluster: prod, user: ops, namespace: \(namespace)}
        - name: dangling
          context: {cluster: elsewhere, user: ops}
        current-context: prod-ops
        """
    }

    private let pem = Array("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8)

    @Test func inlineCertificateAuthorityAndClientCertificate() throws {
        let b64 = Data(pem).base64EncodedString()
        let config = try KubeConfig.parse(
            yaml(cluster: "server: https://10.1.2.3:6443/\ncertificate-authority-data: \(b64)",
                 user: "client-certificate-data: \(b64)\nclient-key-data: \(b64)"),
            source: "inline", directory: "/nowhere"
        ).configuration()
        #expect(config.server == "https://10.1.2.3:6443")
        #expect(config.namespace == "shop")
        #expect(config.certificateAuthorityPEM == pem)
        #expect(config.clientCertificate?.certificatePEM == pem)
        #expect(config.clientCertificate?.keyPEM == pem)
        #expect(config.token == nil)
        #expect(config.insecureSkipTLSVerify == false)
    }

    @Test func filePathsResolveAgainstTheKubeconfigFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("pki"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(pem).write(to: folder.appendingPathComponent("pki/ca.crt"))
        try Data("token-from-file\n".utf8).write(to: folder.appendingPathComponent("token"))
        let path = folder.appendingPathComponent("config").path
        try Data(yaml(cluster: "server: https://k8s.example:443\ncertificate-authority: pki/ca.crt", user: "tokenFile: token").utf8)
            .write(to: URL(fileURLWithPath: path))
        let config = try KubeConfig.load(path: path).configuration()
        #expect(config.certificateAuthorityPEM == pem)
        guard case .file(let tokenPath) = config.token else {
            Issue.record("expected a token file, got \(String(describing: config.token))")
            return
        }
        #expect(tokenPath == folder.path + "/token")
    }

    @Test func inlineTokenIsKeptOutOfTheDescription() throws {
        let config = try KubeConfig.parse(
            yaml(cluster: "server: https://k8s.example", user: "token: s3cr3t-t0ken"), source: "inline", directory: "/"
        ).configuration()
        guard case .inline("s3cr3t-t0ken") = config.token else {
            Issue.record("expected the inline token")
            return
        }
        #expect(!config.description.contains("s3cr3t"))
        #expect(config.description.contains("bearer token (redacted)"))
        #expect(config.description.contains("system CAs"))
    }

    @Test func contextOverridesTheCurrentOne() throws {
        let file = try KubeConfig.parse(yaml(cluster: "server: https://a", user: "token: t"), source: "f", directory: "/")
        #expect(throws: ConfigurationError("kubeconfig f: context 'dangling' names cluster 'elsewhere', which is not in clusters")) {
            try file.configuration(context: "dangling")
        }
    }

    @Test func insecureSkipTLSVerifyIsRefusedUnlessAllowed() throws {
        let file = try KubeConfig.parse(
            yaml(cluster: "server: https://a\ninsecure-skip-tls-verify: true", user: "token: t"), source: "f", directory: "/")
        let error = try #require(throws: ConfigurationError.self) { try file.configuration() }
        #expect(error.description.contains("clusters['prod'].cluster.insecure-skip-tls-verify"))
        #expect(try file.configuration(allowInsecure: true).insecureSkipTLSVerify)
    }

    @Test(arguments: [
        ("server: https://a", "exec: {command: aws}", "users['ops'].user uses exec credentials, which are not supported; use a client certificate or a token"),
        ("server: https://a", "auth-provider: {name: oidc}", "users['ops'].user uses auth-provider credentials, which are not supported; use a client certificate or a token"),
        ("server: https://a", "client-certificate-data: \(Data("x".utf8).base64EncodedString())", "users['ops'].user has a client certificate but no client-key"),
        ("server: https://a", "client-key-data: \(Data("x".utf8).base64EncodedString())", "users['ops'].user has a client-key but no client certificate"),
        ("certificate-authority-data: LS0t", "token: t", "clusters['prod'].cluster.server is missing"),
        ("server: https://a\ncertificate-authority-data: '@@@'", "token: t", "clusters['prod'].cluster.certificate-authority-data is not valid base64"),
        ("server: https://a\ncertificate-authority: /no/such/ca.crt", "token: t", "clusters['prod'].cluster.certificate-authority names /no/such/ca.crt, which cannot be read"),
        ("server: https://a\ntls-server-name: api", "token: t", "clusters['prod'].cluster.tls-server-name is not supported"),
    ])
    func unusableEntriesNameTheField(cluster: String, user: String, message: String) throws {
        let file = try KubeConfig.parse(yaml(cluster: cluster, user: user), source: "/etc/kc", directory: "/")
        let error = try #require(throws: ConfigurationError.self) { try file.configuration() }
        #expect(error.description == "kubeconfig /etc/kc: \(message)")
    }

    @Test func malformedFilesNameThePath() throws {
        let wrongType = "clusters: {name: prod}\n"
        let error = try #require(throws: ConfigurationError.self) {
            try KubeConfig.parse(wrongType, source: "/etc/kc", directory: "/")
        }
        #expect(error.description.hasPrefix("kubeconfig /etc/kc: clusters: expected"))
        let noCurrent = try KubeConfig.parse("apiVersion: v1\nkind: Config\n", source: "/etc/kc", directory: "/")
        #expect(throws: ConfigurationError("kubeconfig /etc/kc: no context given and current-context is not set")) {
            try noCurrent.configuration()
        }
    }

    @Test func loaderPrefersTheFlagThenKUBECONFIGThenHome() throws {
        #expect(throws: ConfigurationError("kubeconfig /flag: cannot read the file")) {
            try ConfigurationLoader.load(kubeconfig: "/flag", environment: ["KUBECONFIG": "/env", "HOME": "/home/x"])
        }
        #expect(throws: ConfigurationError("kubeconfig /env: cannot read the file")) {
            try ConfigurationLoader.load(environment: ["KUBECONFIG": "/env", "HOME": "/home/x"])
        }
        #expect(throws: ConfigurationError("kubeconfig /home/x/.kube/config: cannot read the file")) {
            try ConfigurationLoader.load(environment: ["HOME": "/home/x"])
        }
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(environment: ["KUBECONFIG": "/a:/b"])
        }
        #expect(error.description.contains("KUBECONFIG lists 2 files"))
    }
}
