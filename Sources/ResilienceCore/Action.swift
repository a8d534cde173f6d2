/// A change the operator can make to the cluster, or an alert it can send.
public enum Action: Sendable, Equatable, Hashable, Codable {
    /// The pod condition that isolation by readiness gate sets False; pods opt in with a readiness gate.
    public static let servingGate = "resilience.dev/serving"

    /// Evict the pod (through its PodDisruptionBudgets) or delete it; its ReplicaSet replaces it.
    case restartPod(pod: String, uid: String, evict: Bool)
    /// Take the pod out of its Service's endpoints: `readinessGate` or `quarantine`.
    case isolate(pod: String, uid: String, mode: String)
    /// Write the Deployment's replicas.
    case scale(from: Int, to: Int)
    /// Write the minReplicas of the autoscaler that owns the Deployment's replicas.
    case setAutoscalerMinimum(autoscaler: String, from: Int, to: Int)
    /// Put the pod template of the earlier ReplicaSet `replicaSet` back into the Deployment; `from` is the
    /// UID of the ReplicaSet rolled back from, which is never rolled back to.
    case rollback(replicaSet: String, revision: Int, from: String)
    /// End the isolation of a pod whose containers are Ready again: its serving gate goes back to True.
    case release(pod: String, uid: String)
    /// Open the serving gate of a new pod that declares it: a readiness gate starts closed.
    case admit(pod: String, uid: String)
    /// Roll every pod (`kubectl.kubernetes.io/restartedAt`).
    case rolloutRestart
    /// Tell people; changes nothing in the cluster. One alert per condition and target.
    case alert(condition: AlertCondition, summary: String)

    /// The pod the action is aimed at, for pod actions.
    public var podUID: String? {
        switch self {
        case .restartPod(_, let uid, _), .isolate(_, let uid, _), .release(_, let uid), .admit(_, let uid): return uid
        default: return nil
        }
    }

    /// The name of the pod the action is aimed at, for pod actions.
    public var podName: String? {
        switch self {
        case .restartPod(let name, _, _), .isolate(let name, _, _), .release(let name, _), .admit(let name, _): return name
        default: return nil
        }
    }

    /// Whether the action takes serving capacity away until a replacement is Ready (maxInFlight counts these).
    public var isDisruption: Bool {
        switch self {
        case .restartPod, .isolate, .rollback, .rolloutRestart: return true
        case .scale, .setAutoscalerMinimum, .release, .admit, .alert: return false
        }
    }

    /// A short form for logs, status and Events: `restartPod web-1`, `scale 3→4`.
    public var summary: String {
        switch self {
        case .restartPod(let pod, _, let evict): return "\(evict ? "evict" : "delete") pod \(pod)"
        case .isolate(let pod, _, let mode): return "isolate pod \(pod) (\(mode))"
        case .scale(let from, let to): return "scale \(from)→\(to)"
        case .setAutoscalerMinimum(let name, let from, let to): return "set minReplicas of HPA \(name) \(from)→\(to)"
        case .rollback(let replicaSet, let revision, _): return "roll back to revision \(revision) (\(replicaSet))"
        case .release(let pod, _): return "release pod \(pod) from isolation"
        case .admit(let pod, _): return "open the serving gate of new pod \(pod)"
        case .rolloutRestart: return "rollout restart"
        case .alert(_, let summary): return "alert: \(summary)"
        }
    }
}
