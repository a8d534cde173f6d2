#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A node (`v1/Node`): whether pods can be scheduled onto it and whether it is Ready.
public struct Node: KubernetesResource, Equatable {
    public static let apiVersion = "v1"
    public static let kind = "Node"
    public static let plural = "nodes"
    public static let isNamespaced = false

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    /// The node's scheduling settings.
    public struct Spec: Codable, Sendable, Equatable {
        public var unschedulable: Bool?
        public var taints: [Taint]?
    }

    /// A taint that repels pods without a matching toleration.
    public struct Taint: Codable, Sendable, Equatable {
        public var key: String
        public var value: String?
        /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
        public var effect: String

        public init(key: String, value: String? = nil, effect: String) {
            self.key = key
            self.value = value
            self.effect = effect
        }
    }

    /// The node's reported state.
    public struct Status: Codable, Sendable, Equatable {
        public var conditions: [Condition]?
        public var capacity: [String: String]?
        public var allocatable: [String: String]?
    }

    /// One observed aspect of the node (`Ready`, `MemoryPressure`, ...).
    public struct Condition: Codable, Sendable, Equatable {
        public var type: String
        /// `True`, `False` or `Unknown`.
        public var status: String
        public var reason: String?
        public var message: String?
        public var lastHeartbeatTime: Date?
        public var lastTransitionTime: Date?
    }

    /// Whether the node reports `Ready=True`.
    public var isReady: Bool {
        status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
    }
}
