import AsyncHTTPClient

/// The HTTP client for URLs that policies and their Secrets name (Alertmanager, webhooks): it never
/// follows a redirect, so such a URL reaches the host it names and no other (a redirect could send the
/// alert, and whatever its URL carries, anywhere, or loop). A 3xx answer is a failure like any other.
public enum OutboundHTTP {
    /// One client for the process's life (AsyncHTTPClient asks a client to be shut down before it goes,
    /// and this one never goes).
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
