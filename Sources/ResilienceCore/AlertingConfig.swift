/// Where the operator sends alerts.
public struct AlertingConfig: Codable, Sendable, Equatable {
    public var alertmanager: Alertmanager?
    public var webhooks: [Webhook]?

    public init() {}

    /// An Alertmanager's base URL.
    public struct Alertmanager: Codable, Sendable, Equatable {
        public var url: String

        public init(url: String) { self.url = url }
    }

    /// A webhook whose URL is read from a Secret, so it stays out of the policy and the logs.
    public struct Webhook: Codable, Sendable, Equatable {
        public var urlFrom: URLSource
        /// `generic` or `slack`.
        public var format: String?
    }

    /// A key of a Secret in the policy's namespace.
    public struct URLSource: Codable, Sendable, Equatable {
        public var secretKeyRef: SecretKeyReference
    }

    /// A Secret's name and key.
    public struct SecretKeyReference: Codable, Sendable, Equatable {
        public var name: String
        public var key: String
    }
}
