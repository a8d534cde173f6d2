/// A Service (`v1/Service`), as far as the operator reads it: which pods it selects.
public struct Service: KubernetesResource, Equatable {
    public static let apiVersion = "v1"
    public static let kind = "Service"
    public static let plural = "services"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: Spec?

    public init(metadata: ObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }

    /// The selector; a Service without one has its endpoints managed by hand.
    public struct Spec: Codable, Sendable, Equatable {
        public var selector: [String: String]?

        public init(selector: [String: String]? = nil) {
            self.selector = selector
        }
    }

    /// Whether the Service sends traffic to a pod with `labels`.
    public func selects(_ labels: [String: String]?) -> Bool {
        guard let selector = spec?.selector, !selector.isEmpty else { return false }
        return selector.allSatisfy { labels?[$0.key] == $0.value }
    }
}
