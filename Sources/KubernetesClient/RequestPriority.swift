/// How urgent a request is to the client's rate limiter.
///
/// Actions and the reads they need are ``critical``; telling about them afterwards (Events, evidence,
/// status) is ``background``: it takes a token only from a full bucket, so it never spends the burst
/// kept for an incident's actions and never drives the bucket into debt; a storm of Events never delays
/// the next eviction, and the client's total stays within its QPS. Set for a whole task tree with
/// `RequestPriority.$current.withValue(.background) { ... }`.
///
/// ``leadership`` is the Lease's own requests: they never wait in the limiter (API priority and fairness
/// exempts leader election the same way), so a storm of other requests cannot hold up a renewal.
public enum RequestPriority: Sendable {
    case critical
    case background
    case leadership

    /// The priority of the requests the current task makes.
    @TaskLocal public static var current: RequestPriority = .critical
}
