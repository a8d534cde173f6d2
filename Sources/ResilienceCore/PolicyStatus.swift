#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the operator reports on a policy.
public struct PolicyStatus: Codable, Sendable, Equatable {
    public var observedGeneration: Int64?
    /// One word for `kubectl get`: `Ready`, `Degraded`, `Remediating`, `Suspended`, `Invalid`, `TargetMissing`, `Overlap`.
    public var phase: String?
    /// Healthy pods over all pods, as `2/3`, for `kubectl get`.
    public var healthy: String?
    /// The latest action in a few words, for `kubectl get`.
    public var lastAction: String?
    /// `Ready`, `Healthy`, `Remediating`, `Suspended`.
    public var conditions: [PolicyCondition]?
    public var pods: PodSummary?
    /// The most recent actions, newest first, bounded.
    public var lastActions: [ActionRecord]?
    public var budget: BudgetStatus?
    /// What the operator must not forget when it restarts or another replica takes over: its actions,
    /// open episodes, the loop breaker's count, scale-ups to undo and revision verdicts (restart samples
    /// and `for` timers are left out: they are re-observed, and forgetting them only delays an action).
    public var memory: RemediationHistory?
    /// In dry run: what the operator would remember had it acted (its actions as if carried out and their
    /// disruptions replaced at once), so that the dry run follows the ladder, cooldown and budget as the
    /// real run would. Dropped when the dry run ends: the real run starts from ``memory``.
    public var rehearsal: RemediationHistory?

    public init() {}

    /// The target's pods: how many, how many healthy, and why the others are not.
    public struct PodSummary: Codable, Sendable, Equatable {
        public var total: Int
        public var healthy: Int
        public var unhealthy: [UnhealthyPod]?

        public init(total: Int, healthy: Int, unhealthy: [UnhealthyPod]? = nil) {
            self.total = total
            self.healthy = healthy
            self.unhealthy = unhealthy
        }
    }

    /// One unhealthy pod, its reasons, and since when.
    public struct UnhealthyPod: Codable, Sendable, Equatable {
        public var name: String
        public var reasons: [String]
        public var since: Date?

        public init(name: String, reasons: [String], since: Date? = nil) {
            self.name = name
            self.reasons = reasons
            self.since = since
        }
    }

    /// One action taken (or refused).
    public struct ActionRecord: Codable, Sendable, Equatable {
        public var time: Date
        public var step: String
        public var pod: String?
        public var reason: String
        /// `succeeded`, `failed`, `blocked`, `dryRun`.
        public var result: String
        /// Before a pod was restarted or isolated: its phase, Ready condition, each container's restarts
        /// and states, and its recent Events. For a refusal: what refused it.
        public var evidence: String?

        public init(time: Date, step: String, pod: String? = nil, reason: String, result: String) {
            self.time = time
            self.step = step
            self.pod = pod
            self.reason = reason
            self.result = result
        }
    }

    /// The action budget of the current window.
    public struct BudgetStatus: Codable, Sendable, Equatable {
        public var used: Int
        public var remaining: Int
        public var resetsAt: Date?

        public init(used: Int, remaining: Int, resetsAt: Date? = nil) {
            self.used = used
            self.remaining = remaining
            self.resetsAt = resetsAt
        }
    }
}

/// A condition as `metav1.Condition` has it.
public struct PolicyCondition: Codable, Sendable, Equatable {
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    public var reason: String
    public var message: String
    public var lastTransitionTime: Date
    public var observedGeneration: Int64?

    public init(type: String, status: String, reason: String, message: String, lastTransitionTime: Date, observedGeneration: Int64? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }
}
