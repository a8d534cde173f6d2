/// A ReplicaSet (`apps/v1/ReplicaSet`), as far as the operator reads it: its size and its revision.
public struct ReplicaSet: KubernetesResource, Equatable {
    public static let apiVersion = "apps/v1"
    public static let kind = "ReplicaSet"
    public static let plural = "replicasets"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// The desired state.
    public struct Spec: Codable, Sendable, Equatable {
        public var replicas: Int?

        public init(replicas: Int? = nil) {
            self.replicas = replicas
        }
    }

    /// The observed state.
    public struct Status: Codable, Sendable, Equatable {
        public var replicas: Int?
        public var readyReplicas: Int?
        public var availableReplicas: Int?

        public init(replicas: Int? = nil, readyReplicas: Int? = nil, availableReplicas: Int? = nil) {
            self.replicas = replicas
            self.readyReplicas = readyReplicas
            self.availableReplicas = availableReplicas
        }
    }

    /// The Deployment revision this ReplicaSet holds (`deployment.kubernetes.io/revision`).
    public var revision: Int? {
        metadata.annotations?["deployment.kubernetes.io/revision"].flatMap { Int($0) }
    }

    /// The hash its pods carry in their `pod-template-hash` label.
    public var templateHash: String? {
        metadata.labels?["pod-template-hash"]
    }
}
