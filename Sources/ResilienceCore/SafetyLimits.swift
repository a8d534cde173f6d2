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

/// A value that is an integer or a string (`intstr.IntOrString`), such as `3` or `"50%"`.
public enum IntOrString: Codable, Sendable, Hashable {
    case int(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}
