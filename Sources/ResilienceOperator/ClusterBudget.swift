#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import Synchronization

/// The operator-wide action budget (`run --max-actions`): at most `count` actions in any `window`,
/// across every policy, whatever the policies allow. Shared by the reconcile workers; a new leader
/// starts from the actions its policies' memories hold, so a failover does not reset it.
final class ClusterBudget: Sendable {
    let count: Int
    let window: TimeInterval
    private let state: Mutex<State>

    private struct State {
        var taken: [Date] = []
    }

    init(count: Int, window: TimeInterval, taken: [Date] = []) {
        self.count = count
        self.window = window
        self.state = Mutex(State(taken: taken.sorted()))
    }

    /// Takes one action at `now`, or says why not: when the oldest action in the window leaves it.
    func take(at now: Date) -> Result<Void, Exhausted> {
        state.withLock { state in
            state.taken.removeAll { now.timeIntervalSince($0) >= window }
            guard state.taken.count < count else {
                return .failure(Exhausted(count: count, window: window, resetsAt: state.taken[0].addingTimeInterval(window)))
            }
            state.taken.append(now)
            return .success(())
        }
    }

    /// Why an action was refused.
    struct Exhausted: Error, CustomStringConvertible {
        var count: Int
        var window: TimeInterval
        var resetsAt: Date

        var description: String {
            "the operator-wide budget of \(count) actions per \(Int(window))s is used up until \(KubernetesJSON.formatTimestamp(resetsAt))"
        }
    }
}
