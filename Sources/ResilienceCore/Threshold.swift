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

    /// The fewest of `total` pods this asks for, as a floor such as `minHealthy`: a percentage rounds up,
    /// as a PodDisruptionBudget's minAvailable does, so the floor never asks for less than the share.
    public func atLeast(of total: Int) -> Int {
        switch self {
        case .count(let count): return count
        case .percent(let percent): return (total * percent + 99) / 100
        }
    }

    /// The most of `total` pods this allows, as a ceiling such as `maxUnhealthy`: a percentage rounds
    /// down (as Cluster API's maxUnhealthy does), so more than the ceiling is exactly more than the
    /// share: 3 of 4 pods (75%) exceed 60%.
    public func atMost(of total: Int) -> Int {
        switch self {
        case .count(let count): return count
        case .percent(let percent): return total * percent / 100
        }
    }

    public var description: String {
        switch self {
        case .percent(let percent): return "\(percent)%"
        case .count(let count): return "\(count) pods"
        }
    }
}
