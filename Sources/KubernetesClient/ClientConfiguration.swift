/// Everything needed to reach and authenticate to one API server.
///
/// Credentials are kept out of `description`, so a configuration can be logged.
public struct ClientConfiguration: Sendable, CustomStringConvertible {
    /// The operator's user agent, sent with every request.
    public static let defaultUserAgent = "resilience-operator/\(ProjectVersion.current)"

    /// The server's base URL, such as `https://127.0.0.1:6443`; a path prefix is kept.
    public var server: String
    /// Where this configuration came from, for error messages (a kubeconfig path and context).
    public var source: String
    /// The PEM certificates trusted to sign the server's certificate. Nil trusts the system's roots.
    public var certificateAuthorityPEM: [UInt8]?
    /// Skips verifying the server's certificate. Only set when the user allowed it explicitly.
    public var insecureSkipTLSVerify = false
    public var clientCertificate: ClientCertificate?
    public var token: Token?
    /// The namespace requests default to.
    public var namespace = "default"
    public var userAgent = ClientConfiguration.defaultUserAgent
    /// The client-side rate limit: requests a second, and the burst above it.
    public var qps: Double = 20
    public var burst = 30
    /// How long a token read from a file is used before the file is read again (it may have rotated).
    public var tokenFileMaxAge: Duration = .seconds(60)
    /// How long an answer may go without a byte before its connection counts as half-open (a stalling
    /// proxy, a peer gone without a reset) and the request fails: longer than a quiet watch's timeout
    /// (60 s, when the server ends it) plus a margin.
    public var idleReadTimeout: Duration = .seconds(75)

    public init(server: String, source: String) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.source = source
    }

    /// A client certificate and its private key, both PEM.
    public struct ClientCertificate: Sendable {
        public var certificatePEM: [UInt8]
        public var keyPEM: [UInt8]

        public init(certificatePEM: [UInt8], keyPEM: [UInt8]) {
            self.certificatePEM = certificatePEM
            self.keyPEM = keyPEM
        }
    }

    /// A bearer token, given inline or read from a file that may rotate.
    public enum Token: Sendable {
        case inline(String)
        case file(String)
    }

    public var description: String {
        var auth: [String] = []
        if clientCertificate != nil { auth.append("client certificate") }
        switch token {
        case .inline: auth.append("bearer token (redacted)")
        case .file(let path): auth.append("bearer token from \(path)")
        case nil: break
        }
        let trust = insecureSkipTLSVerify ? "TLS unverified" : (certificateAuthorityPEM == nil ? "system CAs" : "configured CA")
        return "\(server) (\(source); \(auth.isEmpty ? "anonymous" : auth.joined(separator: ", ")); \(trust))"
    }
}
