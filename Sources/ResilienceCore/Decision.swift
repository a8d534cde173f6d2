/// One decision of a plan: an action and what happens to it, or why nothing happens, with the reason.
public struct Decision: Sendable, Equatable, Codable {
    /// The Deployment, as `namespace/name`.
    public var target: String
    /// The ladder step the action belongs to; nil for alerts, restoring scale, and "nothing to do".
    public var step: RecoveryStep?
    /// Nil when the decision is to do nothing.
    public var action: Action?
    public var disposition: Disposition
    /// The safety check that stopped the action (for ``Disposition/blocked``).
    public var blockedBy: SafetyCheck?
    /// Names the rule, the observed value and the threshold.
    public var reason: String

    public init(target: String, step: RecoveryStep? = nil, action: Action?, disposition: Disposition, blockedBy: SafetyCheck? = nil, reason: String) {
        self.target = target
        self.step = step
        self.action = action
        self.disposition = disposition
        self.blockedBy = blockedBy
        self.reason = reason
    }

    /// What happens to a decision's action.
    public enum Disposition: String, Sendable, Codable {
        /// Carry it out.
        case execute
        /// A safety check refused it.
        case blocked
        /// Allowed, but the policy is in dry-run mode.
        case dryRun
        /// Nothing to carry out: the reason says why.
        case noAction
    }

    /// The checks that keep recovery from making an outage worse.
    public enum SafetyCheck: String, Sendable, Codable, CaseIterable {
        /// A missing metric sample whose rule says `freeze`.
        case frozen
        /// An alert named in `spec.safety.holdWhileAlerts` fires (or its source cannot be read).
        case alertHold
        /// A deny window of `spec.safety.windows` is open, or no allow window is.
        case window
        /// The operator is frozen (`--freeze`, or its freeze ConfigMap).
        case freeze
        /// Too much is failing at once: alert only.
        case maxUnhealthy
        /// The same Deployment keeps coming back, or the ladder is exhausted.
        case loopBreaker
        /// A rollout is in progress or the Deployment is paused: only rollback may act.
        case rollout
        case cooldown
        case budget
        case maxInFlight
        /// A StatefulSet's pods are disrupted one at a time, and a Ready one only while every other is Ready.
        case quorum
        case minHealthy
        /// A PodDisruptionBudget would refuse the eviction.
        case disruptionBudget
        /// The autoscaler's maxReplicas leaves no room.
        case autoscaler
    }

    /// Whether the operator will carry the action out now.
    public var executes: Bool { disposition == .execute && action != nil }
}
