import KubernetesAPI

/// The limits that keep recovery from making an outage worse.
public struct SafetyLimits: Codable, Sendable, Equatable {
    /// At most `count` actions within `window`.
    public var maxActions: ActionBudget?
    /// Disruptions not yet replaced by a Ready pod.
    public var maxInFlight: Int?
    /// The pause after an action before the next.
    public var cooldown: String?
    /// Never act if it would leave fewer healthy pods (a percentage or a count).
    public var minHealthy: IntOrString?
    /// Above this share unhealthy the failure is systemic: alert only.
    public var maxUnhealthy: IntOrString?

    public init() {}

    /// A count of actions per window.
    public struct ActionBudget: Codable, Sendable, Equatable {
        public var count: Int
        public var window: String
    }
}
