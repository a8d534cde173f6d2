import Synchronization

/// The simulator's own lag: from a pod's change (a watch event, or a timer coming due) to the status
/// write that reacts to it. Keeps the latest 10,000 samples.
public final class LagRecorder: Sendable {
    private struct State {
        var samples: [Double] = []
        var next = 0
        var total = 0
    }

    private static let capacity = 10_000
    private let state = Mutex(State())

    public init() {}

    public func record(_ duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        state.withLock { state in
            if state.samples.count < Self.capacity {
                state.samples.append(seconds)
            } else {
                state.samples[state.next] = seconds
                state.next = (state.next + 1) % Self.capacity
            }
            state.total += 1
        }
    }

    /// Reactions so far, and the median, 99th percentile and maximum of the recent ones, in seconds.
    public func summary() -> (count: Int, p50: Double, p99: Double, max: Double) {
        let (samples, total) = state.withLock { ($0.samples, $0.total) }
        guard !samples.isEmpty else { return (total, 0, 0, 0) }
        let sorted = samples.sorted()
        func at(_ quantile: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))] }
        return (total, at(0.5), at(0.99), sorted[sorted.count - 1])
    }
}
