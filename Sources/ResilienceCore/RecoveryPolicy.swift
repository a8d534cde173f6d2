/// How to recover an unhealthy pod: an escalation ladder of steps.
public struct RecoveryPolicy: Codable, Sendable, Equatable {
    /// The ladder, in order: `restartPod`, `isolate`, `scaleUp`, `rollback`, `rolloutRestart`.
    public var steps: [String]?
    /// How long a step gets to help before the next one.
    public var stepTimeout: String?
    /// `evict` (honours PodDisruptionBudgets) or `delete`.
    public var podRestart: String?
    /// `readinessGate` or `quarantine`.
    public var isolation: String?
    public var scaleUp: ScaleUp?
    /// On a Deployment that Argo CD or Flux manages: `alert` (refuse a rollout restart or a change of
    /// replicas, and alert) or `act` (make them; a rollback is always left to Git).
    public var gitOps: String?

    public init() {}

    /// Extra replicas while pods are isolated.
    public struct ScaleUp: Codable, Sendable, Equatable {
        public var maxSurge: Int
    }

    /// The steps a ladder may hold.
    public static let knownSteps = ["restartPod", "isolate", "scaleUp", "rollback", "rolloutRestart"]
}
