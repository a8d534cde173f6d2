/// What a reconcile asks for next.
public enum ReconcileAction: Sendable, Equatable {
    /// Nothing until something changes: a watch event will queue the key again.
    case awaitChange
    /// Reconcile again at this delay from now, as when a time-based rule will fire then.
    case requeue(after: Duration)
}
