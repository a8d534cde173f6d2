/// The kinds of workload a policy may protect.
public enum WorkloadKind: String, Sendable, Codable, CaseIterable, Comparable {
    case deployment = "Deployment"
    case statefulSet = "StatefulSet"

    /// The word in a target's key: none for a Deployment (`namespace/name`, as before StatefulSets were
    /// targets), `statefulset` for a StatefulSet (`namespace/statefulset/name`).
    var keyInfix: String? {
        switch self {
        case .deployment: return nil
        case .statefulSet: return "statefulset"
        }
    }

    public static func < (lhs: WorkloadKind, rhs: WorkloadKind) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
