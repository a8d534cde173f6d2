import KubernetesAPI

/// A share of a Deployment's pods: a percentage (`"50%"`) or a count of pods (`3`), as in
/// PodDisruptionBudgets.
public enum Threshold: Sendable, Hashable, CustomStringConvertible {
    case percent(Int)
    case count(Int)

    /// Reads a policy's value; nil when it is neither a percentage from 0% to 100% nor a count >= 0.
    public init?(_ value: IntOrString) {
        switch value {
        case .int(let count) where count >= 0:
            self = .count(count)
        case .string(let text) where text.hasSuffix("%"):
            guard let percent = Int(text.dropLast()), (0...100).contains(percent) else { return nil }
            self = .percent(percent)
        default:
            return nil
        }
    }

    /// How many of `total` pods this is; percentages round up, as a PDB's minAvailable does.
    public func pods(of total: Int) -> Int {
        switch self {
        case .count(let count): return count
        case .percent(let percent): return (total * percent + 99) / 100
        }
    }

    public var description: String {
        switch self {
        case .percent(let percent): return "\(percent)%"
        case .count(let count): return "\(count) pods"
        }
    }
}
