#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the planner concluded: a verdict per pod, a decision per action (or non-action), and the
/// memory to keep for the next plan.
public struct Plan: Sendable, Equatable {
    /// One entry per target, in `namespace/name` order.
    public var targets: [TargetPlan]
    /// The decisions of the targets planned now, in the order they are to be carried out (a target kept
    /// unchanged keeps its last decisions in ``TargetPlan/decisions``, already carried out).
    public var decisions: [Decision]
    /// The history, updated with what was observed now (not with what is executed: see
    /// ``RemediationHistory/record(_:at:succeeded:)``).
    public var history: RemediationHistory
    /// The earliest moment at which the plan can change with no object changing (a `for` coming due,
    /// a cooldown or stepTimeout ending, a sample going stale): the operator plans again then. Nil when
    /// only a change can change it.
    public var wakeAt: Date?

    /// The decisions to carry out now.
    public var executable: [Decision] { decisions.filter(\.executes) }
}

/// The judgement of one target Deployment.
public struct TargetPlan: Sendable, Equatable {
    /// `namespace/name`.
    public var target: String
    public var verdicts: [PodVerdict]
    /// The replicas the shares (minHealthy, maxUnhealthy) are computed from: the Deployment's own count,
    /// not what the operator added.
    public var desired: Int
    public var healthy: Int
    public var unhealthy: Int
    /// Disruptions not yet replaced by a Ready pod; counted as unhealthy in the limits.
    public var inFlight: Int
    /// Pods unhealthy or disrupted and not yet replaced, each counted once: an unhealthy pod that is the
    /// (not yet Ready) replacement of an in-flight disruption is that disruption's place, not another.
    /// maxUnhealthy compares this with the Deployment's replicas.
    public var down: Int
    /// What the target's plan decided when it was made.
    public var decisions: [Decision]
    /// A missing sample whose rule says `freeze`, in words: it halts every target of the policy.
    public var freeze: String?
    /// When this target's plan changes with time alone; nil when only a change can change it.
    public var wakeAt: Date?
    /// The UIDs of the target's revisions (ReplicaSets, or a StatefulSet's ControllerRevisions), whose
    /// verdicts the history keeps.
    public var revisions: [String]

    /// Whether the target's plan may change with time alone by `moment`.
    public func isDue(at moment: Date) -> Bool {
        wakeAt.map { $0 <= moment } ?? false
    }
}
