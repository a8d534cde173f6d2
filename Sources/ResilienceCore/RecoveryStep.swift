/// One rung of the escalation ladder.
public enum RecoveryStep: String, Codable, Sendable, CaseIterable {
    /// Evict (or delete) the pod, so that its ReplicaSet replaces it.
    case restartPod
    /// Take the pod out of its Service's endpoints and keep it for inspection.
    case isolate
    /// Add replicas, at most `maxSurge`, while pods are isolated.
    case scaleUp
    /// Return the Deployment to its latest healthy earlier revision.
    case rollback
    /// Roll every pod of the Deployment (`kubectl.kubernetes.io/restartedAt`).
    case rolloutRestart

    /// Whether the step acts on one pod at a time (the others act on the whole Deployment).
    public var isPerPod: Bool {
        self == .restartPod || self == .isolate
    }
}
