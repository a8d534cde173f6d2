/// A Deployment (`apps/v1/Deployment`), as far as the operator reads it: size, rollout strategy and
/// progress.
public struct Deployment: KubernetesResource, Equatable {
    public static let apiVersion = "apps/v1"
    public static let kind = "Deployment"
    public static let plural = "deployments"
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
        public var paused: Bool?
        public var selector: LabelSelector?
        public var strategy: Strategy?

        public init(replicas: Int? = nil, paused: Bool? = nil, selector: LabelSelector? = nil, strategy: Strategy? = nil) {
            self.replicas = replicas
            self.paused = paused
            self.selector = selector
            self.strategy = strategy
        }
    }

    /// `RollingUpdate` (with its limits) or `Recreate`.
    public struct Strategy: Codable, Sendable, Equatable {
        public var type: String?
        public var rollingUpdate: RollingUpdate?

        public init(type: String? = nil, rollingUpdate: RollingUpdate? = nil) {
            self.type = type
            self.rollingUpdate = rollingUpdate
        }
    }

    /// How many pods a rolling update may take down, and add, at once.
    public struct RollingUpdate: Codable, Sendable, Equatable {
        public var maxUnavailable: IntOrString?
        public var maxSurge: IntOrString?

        public init(maxUnavailable: IntOrString? = nil, maxSurge: IntOrString? = nil) {
            self.maxUnavailable = maxUnavailable
            self.maxSurge = maxSurge
        }
    }

    /// The observed state, as far as the operator and the simulator read it: whether the controller saw
    /// the spec, and how far a rollout got (the simulator waits on the ready count).
    public struct Status: Codable, Sendable, Equatable {
        public var observedGeneration: Int64?
        public var replicas: Int?
        public var updatedReplicas: Int?
        public var readyReplicas: Int?

        public init(observedGeneration: Int64? = nil, replicas: Int? = nil, updatedReplicas: Int? = nil, readyReplicas: Int? = nil) {
            self.observedGeneration = observedGeneration
            self.replicas = replicas
            self.updatedReplicas = updatedReplicas
            self.readyReplicas = readyReplicas
        }
    }

    /// The revision of the newest ReplicaSet (`deployment.kubernetes.io/revision`).
    public var revision: Int? {
        metadata.annotations?["deployment.kubernetes.io/revision"].flatMap { Int($0) }
    }
}
