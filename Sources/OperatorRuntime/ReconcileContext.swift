import Logging

/// What a reconcile is told besides its key: why the key was queued, and an id that every log line of
/// this reconcile carries (`reconcile`), so one decision can be followed through the log.
public struct ReconcileContext: Sendable {
    /// Unique within the controller's life, increasing.
    public var id: UInt64
    public var reason: ReconcileReason
    /// How long the key waited in the queue before this reconcile.
    public var waited: Duration
    /// The controller's logger with `reconcile`, `key` and `reason` set.
    public var logger: Logger

    public init(id: UInt64, reason: ReconcileReason, waited: Duration = .zero, logger: Logger) {
        self.id = id
        self.reason = reason
        self.waited = waited
        self.logger = logger
    }
}
