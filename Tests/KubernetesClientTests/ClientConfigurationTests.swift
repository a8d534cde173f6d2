import KubernetesClient
import Testing

@Suite struct ClientConfigurationTests {
    @Test func credentialsAreNeverSentOverPlainHTTP() {
        var config = ClientConfiguration(server: "http://10.0.0.5:8080", source: "test")
        config.token = .inline("t")
        #expect(throws: ConfigurationError("test: refusing to send credentials over plain HTTP to http://10.0.0.5:8080")) {
            _ = try KubernetesClient(configuration: config)
        }
    }

    @Test func serverMustBeAnHTTPURL() {
        let config = ClientConfiguration(server: "10.0.0.5:6443", source: "test")
        #expect(throws: ConfigurationError("test: server '10.0.0.5:6443' is not an http(s) URL")) {
            _ = try KubernetesClient(configuration: config)
        }
    }

    @Test func certificateAuthorityMustBePEM() {
        var config = ClientConfiguration(server: "https://10.0.0.5", source: "test")
        config.certificateAuthorityPEM = Array("not a certificate".utf8)
        let error = #expect(throws: ConfigurationError.self) { _ = try KubernetesClient(configuration: config) }
        #expect(error?.description.hasPrefix("test: the certificate authority") == true)
    }
}
