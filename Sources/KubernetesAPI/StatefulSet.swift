/// A StatefulSet (`apps/v1/StatefulSet`), as far as the operator reads it: its size, update strategy
/// and rollout progress by revision.
public struct StatefulSet: KubernetesResource, Equatable {
    public static let apiVersion = "apps/v1"
    public static let kind = "StatefulSet"
    public static let plural = "statefulsets"
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
        public var selector: LabelSelector?
        /// `OrderedReady` (the default) or `Parallel`.
        public var podManagementPolicy: String?
        public var updateStrategy: UpdateStrategy?

        public init(replicas: Int? = nil, selector: LabelSelector? = nil, podManagementPolicy: String? = nil, updateStrategy: UpdateStrategy? = nil) {
            self.replicas = replicas
            self.selector = selector
            self.podManagementPolicy = podManagementPolicy
            self.updateStrategy = updateStrategy
        }
    }

    /// `RollingUpdate` (the default, with its partition) or `OnDelete`.
    public struct UpdateStrategy: Codable, Sendable, Equatable {
        public var type: String?
        public var rollingUpdate: RollingUpdate?

        public init(type: String? = nil, rollingUpdate: RollingUpdate? = nil) {
            self.type = type
            self.rollingUpdate = rollingUpdate
        }
    }

    /// Pods with an ordinal below `partition` keep the current revision during a rolling update.
    public struct RollingUpdate: Codable, Sendable, Equatable {
        public var partition: Int?

        public init(partition: Int? = nil) {
            self.partition = partition
        }
    }

    /// The observed state, as far as the operator reads it: whether the controller saw the spec, and the
    /// rollout's revisions. Its ready counts are not decoded: nothing reads them.
    public struct Status: Codable, Sendable, Equatable {
        public var observedGeneration: Int64?
        public var updatedReplicas: Int?
        /// The ControllerRevision of the pods before the update under way (all pods, once it is done).
        public var currentRevision: String?
        /// The ControllerRevision of the pod template now in the spec.
        public var updateRevision: String?

        public init(observedGeneration: Int64? = nil, updatedReplicas: Int? = nil, currentRevision: String? = nil, updateRevision: String? = nil) {
            self.observedGeneration = observedGeneration
            self.updatedReplicas = updatedReplicas
            self.currentRevision = currentRevision
            self.updateRevision = updateRevision
        }
    }
}
