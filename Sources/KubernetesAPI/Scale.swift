/// The scale subresource of a workload (`autoscaling/v1 Scale`).
public struct Scale: Codable, Sendable, Equatable {
    public var apiVersion: String? = "autoscaling/v1"
    public var kind: String? = "Scale"
    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    /// The desired replica count.
    public struct Spec: Codable, Sendable, Equatable {
        public var replicas: Int?

        public init(replicas: Int? = nil) {
            self.replicas = replicas
        }
    }

    /// The observed replica count and the selector as a string.
    public struct Status: Codable, Sendable, Equatable {
        public var replicas: Int?
        public var selector: String?
    }
}
