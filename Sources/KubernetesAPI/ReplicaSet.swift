/// A ReplicaSet (`apps/v1/ReplicaSet`), as far as the operator reads it so far.
public struct ReplicaSet: KubernetesResource, Equatable {
    public static let apiVersion = "apps/v1"
    public static let kind = "ReplicaSet"
    public static let plural = "replicasets"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    /// The desired state.
    public struct Spec: Codable, Sendable, Equatable {
        public var replicas: Int?
    }

    /// The observed state.
    public struct Status: Codable, Sendable, Equatable {
        public var replicas: Int?
        public var readyReplicas: Int?
    }
}
