/// A PodDisruptionBudget: how many of the pods it selects may be evicted at once.
///
/// `policy/v1` and `policy/v1beta1` share this shape; ``apiVersion`` is v1, and clients that must speak
/// v1beta1 (Kubernetes before 1.21) pick the served version through discovery.
public struct PodDisruptionBudget: KubernetesResource, Equatable {
    public static let apiVersion = "policy/v1"
    public static let kind = "PodDisruptionBudget"
    public static let plural = "poddisruptionbudgets"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// The budget.
    public struct Spec: Codable, Sendable, Equatable {
        public var minAvailable: IntOrString?
        public var maxUnavailable: IntOrString?
        public var selector: LabelSelector?

        public init(minAvailable: IntOrString? = nil, maxUnavailable: IntOrString? = nil, selector: LabelSelector? = nil) {
            self.minAvailable = minAvailable
            self.maxUnavailable = maxUnavailable
            self.selector = selector
        }
    }

    /// What the disruption controller computed.
    public struct Status: Codable, Sendable, Equatable {
        public var observedGeneration: Int64?
        public var disruptionsAllowed: Int?
        public var currentHealthy: Int?
        public var desiredHealthy: Int?
        public var expectedPods: Int?

        public init(observedGeneration: Int64? = nil, disruptionsAllowed: Int? = nil, currentHealthy: Int? = nil, desiredHealthy: Int? = nil, expectedPods: Int? = nil) {
            self.observedGeneration = observedGeneration
            self.disruptionsAllowed = disruptionsAllowed
            self.currentHealthy = currentHealthy
            self.desiredHealthy = desiredHealthy
            self.expectedPods = expectedPods
        }
    }
}
