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

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec? = nil, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
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
    public func condition(_ type: String) -> Condition? {
        status?.conditions?.first { $0.type == type }
    }

    /// Whether the pod's Ready condition is True.
    public var isReady: Bool {
        condition("Ready")?.status == "True"
    }
}
