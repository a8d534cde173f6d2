import KubernetesAPI

/// A `resilience.dev/v1alpha1 ResiliencePolicy`: which Deployments and StatefulSets to watch, when a pod counts as
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
    /// Why the spec did not decode, when it did not (the spec is then empty). A policy that passed the
    /// CRD's schema but not this decoding still reaches the cache, so that it gets `Ready=False` naming
    /// the field instead of breaking the list of every other policy.
    public var decodingProblem: ValidationProblem?
    /// What of the status could not be read: its reports (then only its memory is kept), or remembered
    /// actions and parts of the memory that were skipped (the rest is kept; ``RemediationHistory/unread``). A status is the operator's own,
    /// but it may be edited by hand or written by a later version; the operator plans from what it could
    /// read, says what it could not (a warning and an Event), and writes the status anew.
    public var statusProblems: [ValidationProblem] = []

    public init(metadata: ObjectMeta, spec: PolicySpec, status: PolicyStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    private enum CodingKeys: String, CodingKey {
        case metadata, spec, status
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decode(ObjectMeta.self, forKey: .metadata)
        do {
            spec = try container.decode(PolicySpec.self, forKey: .spec)
        } catch let error as DecodingError {
            spec = PolicySpec()
            decodingProblem = PolicyDecoder.problem(error, below: decoder.codingPath)
        }
        do {
            status = try container.decodeIfPresent(PolicyStatus.self, forKey: .status)
        } catch {
            // Never the policy's undoing: the status is the operator's own, and written anew. Its memory is
            // what a new leader needs, so it is read on its own when the rest is not.
            statusProblems = [(error as? DecodingError).map { PolicyDecoder.problem($0, below: decoder.codingPath) } ?? ValidationProblem("status", "\(error)")]
            status = (try? container.decodeIfPresent(Memories.self, forKey: .status)).map {
                var kept = PolicyStatus()
                kept.memory = $0.memory
                kept.rehearsal = $0.rehearsal
                return kept
            }
        }
        if let unread = status?.memory?.unread, !unread.isEmpty {
            statusProblems += unread.map { ValidationProblem("status.memory.\($0.field)", $0.message) }
            status?.memory?.unread = []
        }
        if let unread = status?.rehearsal?.unread, !unread.isEmpty {
            statusProblems += unread.map { ValidationProblem("status.rehearsal.\($0.field)", $0.message) }
            status?.rehearsal?.unread = []
        }
    }

    /// A status's memories alone.
    private struct Memories: Decodable {
        var memory: RemediationHistory?
        var rehearsal: RemediationHistory?
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(spec, forKey: .spec)
        try container.encodeIfPresent(status, forKey: .status)
    }
}

/// What a policy asks for.
public struct PolicySpec: Codable, Sendable, Equatable {
    /// One Deployment or StatefulSet by kind and name; or use ``selector``.
    public var targetRef: TargetReference?
    /// The Deployments and StatefulSets whose labels match, in the policy's namespace.
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
    /// `Deployment` or `StatefulSet` (``WorkloadKind``).
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }
}
