import KubernetesClient
import Logging
import Metrics
import Synchronization

/// Work done after the fact and off the reconciler's path (Events, evidence, alerts, webhooks): a
/// bounded queue that ``submit(_:)`` never waits on, drained by `workers` tasks in ``run()``.
///
/// Its jobs' API requests are ``RequestPriority/background``: they never hold up an action's.
///
/// A job once started is finished when the queue stops (its Event was decided; cutting its request
/// halfway would lose it), for at most ``grace``; the jobs still queued are for ``drain(within:)``.
///
/// When the queue is full the oldest job is dropped and counted
/// (`resilience_background_dropped_total{queue}`): a reconcile is never held up by a slow receiver.
public final class BackgroundQueue: Sendable {
    public typealias Job = @Sendable () async -> Void

    /// How long a started job may go on after the queue was told to stop.
    public static let grace: Duration = .seconds(5)

    private struct State {
        var jobs: [Job] = []
        var head = 0
    }

    private let capacity: Int
    private let workers: Int
    private let state = Mutex(State())
    private let wakeups: [Wakeup]
    private let dropped: Counter
    private let depth: Gauge

    public init(name: String, capacity: Int = 10_000, workers: Int = 2, metrics: any MetricsFactory = MetricsSystem.factory) {
        precondition(capacity > 0 && workers > 0)
        self.capacity = capacity
        self.workers = workers
        self.wakeups = (0..<workers).map { _ in Wakeup() }
        self.dropped = Counter(label: "resilience_background_dropped_total", dimensions: [("queue", name)], factory: metrics)
        self.depth = Gauge(label: "resilience_background_depth", dimensions: [("queue", name)], factory: metrics)
    }

    /// Queues `job` and returns at once.
    public func submit(_ job: @escaping Job) {
        let (count, lost) = state.withLock { state -> (Int, Bool) in
            var lost = false
            if state.jobs.count - state.head >= capacity {
                state.head += 1
                lost = true
            }
            state.jobs.append(job)
            return (state.jobs.count - state.head, lost)
        }
        if lost { dropped.increment() }
        depth.record(count)
        for wakeup in wakeups { wakeup.signal() }
    }

    /// Jobs waiting.
    public var count: Int { state.withLock { $0.jobs.count - $0.head } }

    /// Runs the jobs until the task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for wakeup in wakeups {
                group.addTask {
                    while !Task.isCancelled {
                        if let job = self.take() {
                            await Self.finish(job)
                        } else {
                            await wakeup.wait(until: nil)
                        }
                    }
                }
            }
        }
    }

    /// Runs the jobs still queued, even when the calling task is cancelled (a term that ends must still
    /// tell what it did), for at most `limit` in all: the job running then is cancelled, and the jobs not
    /// started are dropped and counted. A stop is never held longer by a backlog of reports. No action
    /// comes after a drain, so its requests spend the burst kept for actions (``RequestPriority/critical``).
    /// Returns how many were dropped.
    @discardableResult
    public func drain(within limit: Duration) async -> Int {
        await Shielded.run(within: limit) {
            while !Task.isCancelled, let job = self.take() {
                await RequestPriority.$current.withValue(.critical) { await job() }
            }
        }
        let left = state.withLock { state -> Int in
            defer { state = State() }
            return state.jobs.count - state.head
        }
        if left > 0 { dropped.increment(by: left) }
        depth.record(0)
        return left
    }

    /// Runs `job` as background work, shielded from the caller's cancellation for ``grace``.
    private static func finish(_ job: @escaping Job) async {
        await Shielded.run(grace: grace) { await RequestPriority.$current.withValue(.background) { await job() } }
    }

    private func take() -> Job? {
        state.withLock { state in
            guard state.head < state.jobs.count else { return nil }
            let job = state.jobs[state.head]
            state.head += 1
            if state.head > 64, state.head * 2 > state.jobs.count {
                state.jobs.removeFirst(state.head)
                state.head = 0
            }
            return job
        }
    }
}
