import KubernetesClient
import Metrics

/// The controller's queue of keys to reconcile.
///
/// Guarantees:
/// - a key waits in the queue at most once, however often it is added;
/// - a key is never handed out twice at once: one added while being processed is queued again when
///   ``done(_:)`` is called;
/// - a key carries the ``ReconcileReason`` it was first queued for, until a worker takes it;
/// - ``add(_:after:reason:)`` wakes a key at that moment; of two pending wake-ups the earlier wins. All
///   wake-ups share one agenda and one timer, armed for the earliest (kube-rs's `scheduler`): a thousand
///   scheduled keys cost one sleeping task, and a quiet queue costs nothing;
/// - ``addRateLimited(_:)`` retries a failing key after a per-key exponential delay (5 ms doubling to
///   1000 s) that is also held under an overall token bucket (10 a second, burst 100), as client-go does;
///   ``forget(_:)`` clears the key's failures after a success.
///
/// Metrics: `resilience_workqueue_depth{queue}`, `resilience_workqueue_retries_total{queue}`, and
/// `resilience_workqueue_queue_duration_seconds{queue}`: how long a key waited between being queued and
/// handed to a worker (controller-runtime's `workqueue_queue_duration_seconds`).
public actor WorkQueue<Key: Hashable & Sendable, C: Clock> where C.Duration == Duration {
    private let name: String
    private let clock: C
    private let bucket: TokenBucket<C>
    private let baseDelay: Duration
    private let maxDelay: Duration

    private var queue: [Key] = []
    private var head = 0
    private var dirty: Set<Key> = []
    private var reasons: [Key: ReconcileReason] = [:]
    /// When each waiting key was queued.
    private var queuedAt: [Key: C.Instant] = [:]
    private var processing: Set<Key> = []
    private var waiters: [CheckedContinuation<(Key, ReconcileReason, Duration)?, Never>] = []
    private var failures: [Key: Int] = [:]
    /// Each scheduled key's deadline and reason; the agenda may hold stale entries for a key.
    private var delayed: [Key: (deadline: C.Instant, reason: ReconcileReason)] = [:]
    private var agenda = DeadlineHeap<C.Instant, Key>()
    /// The one timer, armed for the agenda's earliest deadline.
    private var timer: (deadline: C.Instant, task: Task<Void, Never>)?
    private var shuttingDown = false
    private let depthGauge: Gauge
    private let retryCounter: Counter
    private let waitTimer: Metrics.Timer

    public init(
        name: String,
        clock: C,
        baseDelay: Duration = .milliseconds(5),
        maxDelay: Duration = .seconds(1000),
        overallRate: Double = 10,
        overallBurst: Int = 100,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.name = name
        self.clock = clock
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.bucket = TokenBucket(rate: overallRate, burst: overallBurst, clock: clock)
        self.depthGauge = Gauge(label: "resilience_workqueue_depth", dimensions: [("queue", name)], factory: metrics)
        self.retryCounter = Counter(label: "resilience_workqueue_retries_total", dimensions: [("queue", name)], factory: metrics)
        self.waitTimer = Metrics.Timer(label: "resilience_workqueue_queue_duration_seconds", dimensions: [("queue", name)], factory: metrics)
    }

    /// Queues `key` now, unless it is already waiting (then it keeps the reason it waits for).
    public func add(_ key: Key, reason: ReconcileReason = .requested("a caller")) {
        guard !shuttingDown, !dirty.contains(key) else { return }
        dirty.insert(key)
        reasons[key] = reason
        queuedAt[key] = clock.now
        guard !processing.contains(key) else { return }
        enqueue(key)
    }

    /// Queues `key` at `delay` from now; an earlier pending wake-up for the key wins over a later one.
    public func add(_ key: Key, after delay: Duration, reason: ReconcileReason = .scheduled) {
        guard !shuttingDown else { return }
        guard delay > .zero else { return add(key, reason: reason) }
        let deadline = clock.now.advanced(by: delay)
        if let pending = delayed[key], pending.deadline <= deadline { return }
        delayed[key] = (deadline, reason)
        agenda.insert(deadline, key)
        arm()
    }

    /// Queues `key` again after its failures' backoff, held under the overall rate limit, and no sooner
    /// than `atLeast` (a server's Retry-After).
    public func addRateLimited(_ key: Key, atLeast minimum: Duration = .zero) {
        let attempts = failures[key, default: 0]
        failures[key] = attempts + 1
        retryCounter.increment()
        let exponential = attempts >= 40 ? maxDelay : min(baseDelay * (1 << attempts), maxDelay)
        add(key, after: max(exponential, bucket.reserve(), minimum), reason: .retry(attempt: attempts + 1))
    }

    /// Clears the failures of `key` (after a successful reconcile).
    public func forget(_ key: Key) {
        failures[key] = nil
    }

    /// How often `key` has failed since it was last forgotten.
    public func failureCount(_ key: Key) -> Int {
        failures[key, default: 0]
    }

    /// The next key to process, why it was queued and how long it waited, waiting for one; nil once the
    /// queue is shut down.
    public func next() async -> (key: Key, reason: ReconcileReason, waited: Duration)? {
        if let next = dequeue() { return next }
        if shuttingDown { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Marks `key` as processed; if it was added meanwhile, it is queued again.
    public func done(_ key: Key) {
        processing.remove(key)
        if dirty.contains(key), !shuttingDown {
            enqueue(key)
        }
    }

    /// Stops handing out keys: waiting workers get nil, pending wake-ups are cancelled.
    public func shutDown() {
        shuttingDown = true
        timer?.task.cancel()
        timer = nil
        delayed = [:]
        agenda.removeAll()
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume(returning: nil) }
    }

    /// Runs `count` workers, each calling `work` (which takes keys until ``next()`` returns nil), until they
    /// all end: cancelling the calling task shuts the queue down, which ends them.
    public nonisolated func serve(workers count: Int, _ work: @escaping @Sendable () async -> Void) async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for _ in 0..<count {
                    group.addTask { await work() }
                }
            }
        } onCancel: {
            Task { await self.shutDown() }
        }
    }

    /// Keys waiting to be processed now (not counting delayed ones).
    public var depth: Int { queue.count - head }

    /// Keys with a pending delayed wake-up.
    public var delayedCount: Int { delayed.count }

    /// Arms the one timer for the agenda's earliest deadline, unless it is armed for that already.
    private func arm() {
        guard let earliest = agenda.earliest else { return }
        if let timer, timer.deadline <= earliest { return }
        timer?.task.cancel()
        let clock = self.clock
        timer = (earliest, Task { [weak self] in
            do {
                try await clock.sleep(until: earliest, tolerance: nil)
            } catch {
                return
            }
            await self?.fire()
        })
    }

    /// Queues every key whose deadline has come, then re-arms for the next.
    private func fire() {
        timer = nil
        let now = clock.now
        while let earliest = agenda.earliest, earliest <= now, let entry = agenda.popFirst() {
            // Skip entries a later rescheduling replaced.
            guard let pending = delayed[entry.key], pending.deadline == entry.deadline else { continue }
            delayed[entry.key] = nil
            add(entry.key, reason: pending.reason)
        }
        arm()
    }

    private func enqueue(_ key: Key) {
        if !waiters.isEmpty {
            dirty.remove(key)
            processing.insert(key)
            waiters.removeFirst().resume(returning: handOut(key))
            return
        }
        queue.append(key)
        depthGauge.record(depth)
    }

    /// What a worker gets with `key`: its reason and its wait, recorded.
    private func handOut(_ key: Key) -> (Key, ReconcileReason, Duration) {
        let waited = queuedAt.removeValue(forKey: key).map { $0.duration(to: clock.now) } ?? .zero
        waitTimer.record(duration: waited)
        return (key, reasons.removeValue(forKey: key) ?? .requested("a caller"), waited)
    }

    private func dequeue() -> (key: Key, reason: ReconcileReason, waited: Duration)? {
        guard head < queue.count else { return nil }
        let key = queue[head]
        head += 1
        if head > 64, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        dirty.remove(key)
        processing.insert(key)
        depthGauge.record(depth)
        return handOut(key)
    }
}
