/// A duration as Kubernetes users write it (Go's format): `30s`, `10m`, `1h30m`, `500ms`.
///
/// Units: `ms`, `s`, `m`, `h`; at least one number-unit pair, numbers whole and non-negative, units from
/// largest to smallest. The text is kept, so status and Events show what the user wrote.
public struct PolicyDuration: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let text: String
    public let duration: Duration

    /// A duration known to be well formed (the operator's own defaults).
    init(text: String, milliseconds: Int64) {
        self.text = text
        self.duration = .milliseconds(milliseconds)
    }

    /// Parses `text`, or returns nil when it is not a duration.
    public init?(_ text: String) {
        guard let duration = Self.parse(text) else { return nil }
        self.text = text
        self.duration = duration
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = PolicyDuration(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a duration (use a number and a unit: 500ms, 30s, 10m, 1h30m)")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public var description: String { text }

    public static func < (lhs: PolicyDuration, rhs: PolicyDuration) -> Bool { lhs.duration < rhs.duration }

    /// The unit suffixes, largest first, with their length in milliseconds.
    private static let units: [(suffix: String, milliseconds: Int64)] = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]

    private static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        var total: Int64 = 0
        var lastUnit = -1
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let suffix = rest.prefix { $0.isASCII && $0.isLetter }
            guard let unit = units.firstIndex(where: { $0.suffix == suffix }), unit > lastUnit else { return nil }
            lastUnit = unit
            rest = rest.dropFirst(suffix.count)
            total += number * units[unit].milliseconds
        }
        return .milliseconds(total)
    }
}

extension PolicyDuration {
    /// The duration in seconds, for arithmetic on dates.
    public var seconds: Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
