/// One thing wrong with a policy: the field, by its path in the object, and what is wrong with it.
public struct ValidationProblem: Sendable, Equatable, CustomStringConvertible {
    /// `spec.safety.cooldown`, `spec.health.metrics[1].query`.
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
