#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The earliest moment after `now` at which a plan can change with no object changing: a rule's
/// `for`, `notReadyFor` or `pendingFor` coming due, a restart leaving its window, a probe or metric
/// sample going stale, a cooldown, stepTimeout, budget or loop window ending.
///
/// Every timed comparison of the planner tells it the moment its answer flips; the operator schedules
/// the policy for the earliest, so it never polls. A moment too many costs one idle reconcile; a
/// moment missed would leave a verdict waiting for the next change.
public struct WakeTime: Sendable, Equatable {
    public let now: Date
    /// The earliest moment told that lies after `now`; nil when nothing is timed.
    public private(set) var earliest: Date?

    public init(now: Date) {
        self.now = now
    }

    /// Tells of a moment at which an answer flips; past moments are ignored.
    public mutating func at(_ moment: Date?) {
        guard let moment, moment > now else { return }
        if earliest.map({ moment < $0 }) ?? true { earliest = moment }
    }

    /// Takes the earliest of another accumulator's moments.
    public mutating func merge(_ other: WakeTime) {
        at(other.earliest)
    }
}
