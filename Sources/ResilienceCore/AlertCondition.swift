/// Why the operator calls for a human: each is an alert of its own (its `alertname`), which fires while
/// the condition holds and is resolved when it ends.
public enum AlertCondition: String, Sendable, Hashable, Codable, CaseIterable {
    /// Too many pods down at once (maxUnhealthy): the failure looks systemic.
    case shortCircuit = "ShortCircuit"
    /// The Deployment keeps coming back: too many episodes in the loop window.
    case loopBreaker = "LoopBreaker"
    /// Every step of the ladder was tried and pods are still unhealthy.
    case ladderExhausted = "LadderExhausted"
    /// A sample a rule needs is missing and its rule says freeze.
    case frozen = "Frozen"
    /// Pods stay unhealthy because a safety check refuses every action.
    case refused = "Refused"
    /// An action failed (the API refused it with an error).
    case actionFailed = "ActionFailed"
    /// A step was left to Git: the Deployment is managed by Argo CD or Flux (`spec.recovery.gitOps`).
    case gitOps = "GitOpsManaged"

    /// The alert's `alertname`.
    public var alertname: String { "Resilience\(rawValue)" }
}
