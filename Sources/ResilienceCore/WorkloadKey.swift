import KubernetesAPI

/// A target's identity: its kind, namespace and name. As text (the key plans, status, history and
/// alerts use), `namespace/name` for a Deployment and `namespace/statefulset/name` for a StatefulSet, so
/// that a Deployment and a StatefulSet of one name stay apart and existing Deployment keys are unchanged.
public struct WorkloadKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var kind: WorkloadKind
    public var namespace: String
    public var name: String

    public init(kind: WorkloadKind, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// Reads a key written by ``description``; nil for text that is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 2: self.init(kind: .deployment, namespace: parts[0], name: parts[1])
        case 3 where parts[1] == WorkloadKind.statefulSet.keyInfix: self.init(kind: .statefulSet, namespace: parts[0], name: parts[2])
        default: return nil
        }
    }

    /// The namespace and name, as the caches key the object.
    public var object: ObjectKey { ObjectKey(namespace: namespace, name: name) }

    public var description: String {
        kind.keyInfix.map { "\(namespace)/\($0)/\(name)" } ?? "\(namespace)/\(name)"
    }

    /// `Deployment web`, `StatefulSet db`: for messages.
    public var named: String { "\(kind.rawValue) \(name)" }

    public static func < (lhs: WorkloadKey, rhs: WorkloadKey) -> Bool {
        lhs.description < rhs.description
    }
}
