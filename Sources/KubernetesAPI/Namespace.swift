/// A namespace (`v1/Namespace`).
public struct Namespace: KubernetesResource, Equatable {
    public static let apiVersion = "v1"
    public static let kind = "Namespace"
    public static let plural = "namespaces"
    public static let isNamespaced = false

    public var metadata: ObjectMeta
    public var status: Status?

    public init(metadata: ObjectMeta) {
        self.metadata = metadata
    }

    /// The namespace's lifecycle phase.
    public struct Status: Codable, Sendable, Equatable {
        /// `Active` or `Terminating`.
        public var phase: String?
    }
}
