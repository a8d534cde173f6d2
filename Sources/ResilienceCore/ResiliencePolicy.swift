import KubernetesAPI

/// A `resilience.dev/v1alpha1 ResiliencePolicy`: which Deployments to watch, when a pod counts as
/// unhealthy, how to recover it, and the limits that keep recovery from making an outage worse.
///
/// The spec keeps durations, shares and choices as written (strings); ``PolicyValidator`` checks them
/// all at once and names every bad field.
public struct ResiliencePolicy: KubernetesResource, Equatable {
    public static let apiVersion = "resilience.dev/v1alpha1"
    public static let kind = "ResiliencePolicy"
    public static let plural = "resiliencepolicies"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: PolicySpec
    public var status: PolicyStatus?

    public init(metadata: ObjectMeta, spec: PolicySpec, status: PolicyStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// What a policy asks for.
public struct PolicySpec: Codable, Sendable, Equatable {
    /// One Deployment by name; or use ``selector``.
    public var targetRef: TargetReference?
    /// The Deployments whose labels match, in the policy's namespace.
    public var selector: LabelSelector?
    /// Judge, plan and report, but change nothing.
    public var dryRun: Bool?
    /// Stop judging and acting until cleared.
    public var suspend: Bool?
    public var health: HealthRules?
    public var recovery: RecoveryPolicy?
    public var safety: SafetyLimits?
    public var alerting: AlertingConfig?

    public init(targetRef: TargetReference? = nil, selector: LabelSelector? = nil) {
        self.targetRef = targetRef
        self.selector = selector
    }
}

/// The workload a policy protects.
public struct TargetReference: Codable, Sendable, Equatable {
    /// `Deployment`, the only kind supported.
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }
}
