#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import KubernetesAPI
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// Speaks HTTP to one API server: builds requests, authenticates, verifies TLS, limits its own rate,
/// decodes answers and classifies failures. It decides nothing and retries nothing; callers own that.
///
/// The verbs live in extensions: reads and writes (`KubernetesClient+Verbs`), watches
/// (``WatchStream``) and discovery. Call ``shutdown()`` before dropping the last reference.
public final class KubernetesClient: Sendable {
    public let configuration: ClientConfiguration
    let http: HTTPClient
    let logger: Logger
    private let tokenFile: TokenFileSource?
    private let rateLimit: TokenBucket<ContinuousClock>
    private let httpConfiguration: HTTPClient.Configuration

    /// The largest response body accepted for a non-streaming request.
    static let maxResponseBytes = 256 * 1024 * 1024

    /// Prepares TLS (the configured CA as the only trust root, the client certificate) and the HTTP client.
    ///
    /// - Throws: ``ConfigurationError`` naming the configuration's source when a certificate or key does
    ///   not parse, or when credentials would travel over plain HTTP.
    public init(configuration: ClientConfiguration, logger: Logger = Logger(label: "resilience.kubernetes-client")) throws {
        let source = configuration.source
        guard configuration.server.hasPrefix("https://") || configuration.server.hasPrefix("http://") else {
            throw ConfigurationError("\(source): server '\(configuration.server)' is not an http(s) URL")
        }
        if configuration.server.hasPrefix("http://"), configuration.clientCertificate != nil || configuration.token != nil {
            throw ConfigurationError("\(source): refusing to send credentials over plain HTTP to \(configuration.server)")
        }
        guard configuration.qps > 0, configuration.burst > 0 else {
            throw ConfigurationError("\(source): the client rate limit needs qps > 0 and burst > 0 (got \(configuration.qps), \(configuration.burst))")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let pem = configuration.certificateAuthorityPEM {
            let roots = try Self.certificates(pem, what: "certificate authority", source: source)
            tls.trustRoots = .certificates(roots)
        }
        if configuration.insecureSkipTLSVerify {
            tls.certificateVerification = .none
        }
        if let client = configuration.clientCertificate {
            let chain = try Self.certificates(client.certificatePEM, what: "client certificate", source: source)
            tls.certificateChain = chain.map { .certificate($0) }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: client.keyPEM, format: .pem))
            } catch {
                throw ConfigurationError("\(source): the client key is not a valid PEM private key (\(error))")
            }
        }
        // A closing connection waits this long for the server's close_notify (NIOSSL's default is 5 s): an
        // API server that stopped answering would hold every shutdown, a replica that lost its lease too.
        tls.shutdownTimeout = .seconds(1)
        var httpConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
        httpConfiguration.timeout = .init(connect: .seconds(10), read: TimeAmount(configuration.idleReadTimeout))
        httpConfiguration.httpVersion = .http1Only
        // Fail fast: retrying (with backoff, and honouring the API server's answers) is the caller's policy.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        // Watches hold a connection each for minutes; a low limit would queue requests behind them.
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        self.httpConfiguration = httpConfiguration
        if case .file(let path) = configuration.token {
            self.tokenFile = TokenFileSource(path: path, maxAge: configuration.tokenFileMaxAge)
        } else {
            self.tokenFile = nil
        }
        self.rateLimit = TokenBucket(rate: configuration.qps, burst: configuration.burst, clock: ContinuousClock())
        self.configuration = configuration
        self.logger = logger
    }

    private init(sharing other: KubernetesClient, http: HTTPClient) {
        self.configuration = other.configuration
        self.http = http
        self.logger = other.logger
        self.tokenFile = other.tokenFile
        self.rateLimit = other.rateLimit
        self.httpConfiguration = other.httpConfiguration
    }

    /// A client whose connections all live on `loop`, sharing this one's server, credentials and rate
    /// limit: its requests and this one's spend one budget of QPS. A task running on `loop`
    /// (``EventLoopExecutor`` in the runtime) reads its watches and sends its requests without handing
    /// them to another thread. Shut it down on its own.
    public func pinned(to loop: any EventLoop) -> KubernetesClient {
        KubernetesClient(sharing: self, http: HTTPClient(eventLoopGroupProvider: .shared(loop), configuration: httpConfiguration))
    }

    /// Closes the connections.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Sends one request and returns the body of a 2xx answer.
    ///
    /// - Parameters:
    ///   - path: the path and query, starting with `/`.
    ///   - body: a JSON (or patch) document.
    ///   - contentType: the body's media type.
    /// - Throws: ``KubernetesError`` for any non-2xx answer and for transport and TLS failures.
    @discardableResult
    public func send(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String = "application/json",
        timeout: Duration = .seconds(60)
    ) async throws -> [UInt8] {
        let request = "\(method.rawValue) \(path)"
        let response = try await perform(method, path, body: body, contentType: contentType, timeout: timeout)
        do {
            return Array(try await response.body.collect(upTo: Self.maxResponseBytes).readableBytesView)
        } catch {
            throw classifyTransport(error, request: request)
        }
    }

    /// Times a request shed by the API server (429, not a budget's refusal) is tried again: client-go's
    /// 10. Found by a live test: with 3, one of 40 requests sent at once to an API server that lets one in
    /// at a time ran out of tries.
    static let throttleRetries = 10
    /// The longest wait for a shed request, whatever its Retry-After says.
    static let longestThrottleWait: Duration = .seconds(10)

    /// Sends one request and returns the answer's head with its body still to be read, after checking
    /// that it is 2xx. Non-2xx answers are read whole and thrown as ``KubernetesError``.
    ///
    /// A 429 that is the API server shedding load (max-in-flight, priority and fairness: no
    /// `DisruptionBudget` cause) is tried again after its Retry-After (1 s when it names none, at most
    /// ``longestThrottleWait``, and up to half as long again at random, so that requests shed together do
    /// not all come back together), up to ``throttleRetries`` times, as client-go does; an eviction a
    /// budget refuses is thrown at once (it is a safety refusal, not load).
    ///
    /// - Parameter timeout: the deadline for the whole exchange, body included.
    func perform(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String = "application/json",
        timeout: Duration
    ) async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            do {
                return try await performOnce(method, path, body: body, contentType: contentType, timeout: timeout)
            } catch let error as KubernetesError where error.reason == .tooManyRequests && !error.refusedByDisruptionBudget && attempt < Self.throttleRetries {
                attempt += 1
                let asked = min(error.retryAfter ?? .seconds(1), Self.longestThrottleWait)
                let wait = asked + asked * Double.random(in: 0...0.5)
                logger.notice("the API server sheds load; trying again", metadata: ["request": "\(error.request)", "after": "\(wait)"])
                try await Task.sleep(for: wait)
            }
        }
    }

    private func performOnce(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8]?,
        contentType: String,
        timeout: Duration
    ) async throws -> HTTPClientResponse {
        let request = "\(method.rawValue) \(path)"
        try await rateLimit.acquire(priority: RequestPriority.current)
        var http = HTTPClientRequest(url: configuration.server + path)
        http.method = method
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let token = try bearerToken() {
            http.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            http.headers.add(name: "Content-Type", value: contentType)
            http.body = .bytes(body)
        }
        let response: HTTPClientResponse
        do {
            response = try await self.http.execute(http, timeout: TimeAmount(timeout))
        } catch {
            throw classifyTransport(error, request: request)
        }
        let code = Int(response.status.code)
        guard (200..<300).contains(code) else {
            let payload = (try? await response.body.collect(upTo: 1024 * 1024)).map { Array($0.readableBytesView) } ?? []
            let status = (try? KubernetesJSON.decoder().decode(Status.self, from: Data(payload)))
                ?? Status(message: String(decoding: payload.prefix(512), as: UTF8.self), code: code)
            logger.debug("request failed", metadata: ["request": "\(request)", "code": "\(code)", "reason": "\(status.reason ?? "")"])
            throw KubernetesError(
                code: code, status: status, retryAfterHeader: response.headers.first(name: "Retry-After"),
                request: request)
        }
        return response
    }

    private func bearerToken() throws -> String? {
        switch configuration.token {
        case .inline(let token): return token
        case .file: return try tokenFile?.token()
        case nil: return nil
        }
    }

    func decode<Value: Decodable>(_ type: Value.Type, from payload: [UInt8], request: String) throws -> Value {
        do {
            return try KubernetesJSON.decoder().decode(type, from: Data(payload))
        } catch let error as DecodingError {
            throw KubernetesError(
                reason: .decoding, request: request,
                message: "the answer does not decode as \(type): \(DecodingErrorDescription.describe(error))")
        }
    }

    func classifyTransport(_ error: any Error, request: String) -> KubernetesError {
        if let error = error as? KubernetesError { return error }
        let detail = String(describing: error)
        let trust = "the certificate authority of \(configuration.source)"
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return KubernetesError(
                reason: .tlsVerification, request: request,
                message: "TLS verification of \(configuration.server) failed: its certificate does not name that host (\(detail))")
        }
        if error is NIOSSLError || detail.contains("CERTIFICATE_VERIFY_FAILED") {
            let cause = detail.contains("CERTIFICATE_VERIFY_FAILED") ? "CERTIFICATE_VERIFY_FAILED" : detail
            return KubernetesError(
                reason: .tlsVerification, request: request,
                message: "TLS verification of \(configuration.server) failed (\(cause)): its certificate is not signed by \(trust)")
        }
        return KubernetesError(
            reason: .transport, request: request,
            message: "no answer from \(configuration.server): \(detail)")
    }

    private static func certificates(_ pem: [UInt8], what: String, source: String) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(pem)
        } catch {
            throw ConfigurationError("\(source): the \(what) is not valid PEM (\(error))")
        }
        guard !certificates.isEmpty else {
            throw ConfigurationError("\(source): the \(what) holds no PEM certificate")
        }
        return certificates
    }
}
