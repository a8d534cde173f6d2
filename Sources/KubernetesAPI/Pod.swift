#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A pod (`v1/Pod`), as far as the operator reads it: where it runs, its conditions and its containers.
public struct Pod: KubernetesResource, Equatable {
    public static let apiVersion = "v1"
    public static let kind = "Pod"
    public static let plural = "pods"
    public static let isNamespaced = true

    @inlinable public var metadata: ObjectMeta {
        _read { yield fields.metadata }
        set { fields = Fields(metadata: newValue, spec: fields.spec, status: fields.status) }
    }

    @inlinable public var spec: Spec? {
        _read { yield fields.spec }
        set { fields = Fields(metadata: fields.metadata, spec: newValue, status: fields.status) }
    }

    @inlinable public var status: Status? {
        _read { yield fields.status }
        set { fields = Fields(metadata: fields.metadata, spec: fields.spec, status: newValue) }
    }

    /// The fields, in one immutable reference: a change makes a new one. A pod is copied and read far more
    /// than it is changed: out of the cache for each plan of its workload, into verdicts and candidates.
    /// Held inline, each copy counted a reference for each of its strings, labels, owners, conditions and
    /// containers (a tenth of the operator's CPU at 10,000 pods); held here, a copy counts one, and a read
    /// (`pod.metadata.name`) borrows rather than copies.
    @usableFromInline var fields: Fields

    @usableFromInline final class Fields: Sendable {
        @usableFromInline let metadata: ObjectMeta
        @usableFromInline let spec: Spec?
        @usableFromInline let status: Status?

        @usableFromInline init(metadata: ObjectMeta, spec: Spec?, status: Status?) {
            self.metadata = metadata
            self.spec = spec
            self.status = status
        }
    }

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: Status? = nil) {
        fields = Fields(metadata: metadata, spec: spec, status: status)
    }

    private enum CodingKeys: String, CodingKey {
        case metadata, spec, status
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            metadata: try container.decode(ObjectMeta.self, forKey: .metadata),
            spec: try container.decodeIfPresent(Spec.self, forKey: .spec),
            status: try container.decodeIfPresent(Status.self, forKey: .status))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metadata, forKey: .metadata)
        try container.encodeIfPresent(spec, forKey: .spec)
        try container.encodeIfPresent(status, forKey: .status)
    }

    public static func == (lhs: Pod, rhs: Pod) -> Bool {
        lhs.fields === rhs.fields || (lhs.metadata == rhs.metadata && lhs.spec == rhs.spec && lhs.status == rhs.status)
    }

    /// The desired state, as far as the operator reads it.
    public struct Spec: Codable, Sendable, Equatable {
        /// Set when the scheduler has bound the pod.
        public var nodeName: String?
        /// Extra conditions that must be True for the pod to be Ready.
        public var readinessGates: [ReadinessGate]?

        public init(nodeName: String? = nil, readinessGates: [ReadinessGate]? = nil) {
            self.nodeName = nodeName
            self.readinessGates = readinessGates
        }
    }

    /// A condition type that the pod's readiness waits for.
    public struct ReadinessGate: Codable, Sendable, Equatable {
        public var conditionType: String

        public init(conditionType: String) {
            self.conditionType = conditionType
        }
    }

    /// The observed state.
    public struct Status: Codable, Sendable, Equatable {
        /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
        public var phase: String?
        public var podIP: String?
        public var startTime: Date?
        public var conditions: [Condition]?
        public var containerStatuses: [ContainerStatus]?

        public init(
            phase: String? = nil, podIP: String? = nil, startTime: Date? = nil,
            conditions: [Condition]? = nil, containerStatuses: [ContainerStatus]? = nil
        ) {
            self.phase = phase
            self.podIP = podIP
            self.startTime = startTime
            self.conditions = conditions
            self.containerStatuses = containerStatuses
        }
    }

    /// The condition of `type`, if the pod has one.
    @inlinable public func condition(_ type: String) -> Condition? {
        status?.conditions?.first { $0.type == type }
    }

    /// Whether the pod's Ready condition is True.
    @inlinable public var isReady: Bool {
        condition("Ready")?.status == "True"
    }
}
