import Foundation

/// A fresh self-signed CA made with openssl, that has signed nothing the control plane uses.
public enum ThrowawayCertificateAuthority {
    /// The CA certificate, PEM.
    public static func make() async throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificate = folder.appendingPathComponent("ca.crt").path
        let result = try await ProcessRunner.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=throwaway-test-ca",
            "-keyout", folder.appendingPathComponent("ca.key").path, "-out", certificate,
        ])
        guard result.exitCode == 0, let pem = FileManager.default.contents(atPath: certificate) else {
            throw TestSupportError("openssl could not make a CA: \(result.output)")
        }
        return Array(pem)
    }
}
