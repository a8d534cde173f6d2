#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one health rule says about one pod, when it says something: it holds, or it cannot tell.
public struct Finding: Sendable, Equatable, Codable {
    /// `notReadyFor`, `restarts`, `waitingReasons`, `terminatedReasons`, `pendingFor`, `probe`, or
    /// `metrics.<name>`.
    public var rule: String
    public var state: State
    /// When the rule started to hold (for ``State/holds``).
    public var since: Date?
    /// The rule, the observed value and the threshold, in words.
    public var message: String

    public init(rule: String, state: State, since: Date? = nil, message: String) {
        self.rule = rule
        self.state = state
        self.since = since
        self.message = message
    }

    /// Whether the rule holds, has no sample to judge by, or cannot judge.
    public enum State: String, Sendable, Codable {
        /// The rule holds.
        case holds
        /// The sample is missing or stale; `onMissing` decides what follows.
        case unknown
        /// The rule cannot judge this pod now (a peer comparison with too few peers, or a zero median).
        case notJudged
    }
}
