/// Why a key was queued, carried with it to the reconcile and its logs (kube-rs's `ReconcileReason`).
///
/// A key queued for several reasons before a worker took it keeps the first; the others are counted.
public enum ReconcileReason: Sendable, Equatable, CustomStringConvertible {
    /// A watched object that concerns the key changed: its kind and `namespace/name`.
    case objectChanged(kind: String, object: String)
    /// A timed decision fell due (a `for`, a cooldown, a stepTimeout, a sample going stale).
    case scheduled
    /// The last reconcile failed; this is retry number `attempt`.
    case retry(attempt: Int)
    /// Something else asked: a new term of leadership, a probe round, a metric query.
    case requested(String)

    public var description: String {
        switch self {
        case .objectChanged(let kind, let object): return "\(kind) \(object) changed"
        case .scheduled: return "scheduled: a timed decision fell due"
        case .retry(let attempt): return "retry \(attempt) after an error"
        case .requested(let by): return "requested by \(by)"
        }
    }
}
