/// A pod (`v1/Pod`), as far as the operator reads it so far: where it runs and what owns it.
public struct Pod: KubernetesResource, Equatable {
    public static let apiVersion = "v1"
    public static let kind = "Pod"
    public static let plural = "pods"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: Spec?
    public var status: Status?

    /// The desired state: the node the scheduler bound the pod to.
    public struct Spec: Codable, Sendable, Equatable {
        /// Set when the scheduler has bound the pod.
        public var nodeName: String?
    }

    /// The observed state.
    public struct Status: Codable, Sendable, Equatable {
        /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
        public var phase: String?
    }
}
