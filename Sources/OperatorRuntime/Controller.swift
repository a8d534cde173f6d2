import KubernetesAPI
import KubernetesClient
import Logging
import Metrics
import Synchronization

/// Runs a reconcile function over the keys of a ``WorkQueue`` with bounded concurrency.
///
/// Expected flow: ``run(waitingFor:)`` waits until every given cache has synced, then starts
/// `concurrency` workers. Each takes a key with the reason it was queued for, reconciles it with a
/// ``ReconcileContext`` (never two of the same key at once: the queue guarantees it) and then:
/// - on ``ReconcileAction/awaitChange``, forgets the key's failures;
/// - on ``ReconcileAction/requeue(after:)``, forgets them and wakes the key at that moment;
/// - on a thrown error, queues the key again after its backoff (``WorkQueue/addRateLimited(_:atLeast:)``),
///   and no sooner than a server's Retry-After.
///
/// Metrics: `resilience_reconcile_total{controller, result}` with result `success`, `requeue` or `error`,
/// and `resilience_reconcile_duration_seconds{controller}`.
public struct Controller<C: Clock>: Sendable where C.Duration == Duration {
    public typealias Reconcile = @Sendable (ObjectKey, ReconcileContext) async throws -> ReconcileAction

    public let name: String
    public let queue: WorkQueue<ObjectKey, C>
    private let concurrency: Int
    private let reconcile: Reconcile
    private let logger: Logger
    private let metrics: any MetricsFactory
    private let ids = IDSource()

    public init(
        name: String,
        queue: WorkQueue<ObjectKey, C>,
        concurrency: Int = 4,
        logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory,
        reconcile: @escaping Reconcile
    ) {
        precondition(concurrency > 0, "a controller needs at least one worker")
        self.name = name
        self.queue = queue
        self.concurrency = concurrency
        self.reconcile = reconcile
        self.logger = logger
        self.metrics = metrics
    }

    /// Waits for the caches, then reconciles until the task is cancelled (which shuts the queue down).
    public func run(waitingFor caches: [any SyncedCache]) async {
        for cache in caches {
            await cache.waitUntilSynced()
        }
        if Task.isCancelled { return }
        logger.info("caches synced; starting workers", metadata: ["controller": "\(name)", "workers": "\(concurrency)"])
        await queue.serve(workers: concurrency) { await self.work() }
    }

    private func work() async {
        let timer = Metrics.Timer(label: "resilience_reconcile_duration_seconds", dimensions: [("controller", name)], factory: metrics)
        while let (key, reason, waited) = await queue.next() {
            let started = ContinuousClock.now
            let id = ids.next()
            var log = logger
            log[metadataKey: "reconcile"] = "\(id)"
            log[metadataKey: "key"] = "\(key)"
            log[metadataKey: "reason"] = "\(reason)"
            log.trace("reconciling")
            do {
                let action = try await reconcile(key, ReconcileContext(id: id, reason: reason, waited: waited, logger: log))
                await queue.forget(key)
                switch action {
                case .awaitChange:
                    count("success")
                case .requeue(let delay):
                    count("requeue")
                    await queue.add(key, after: delay)
                }
            } catch where Task.isCancelled {
                // Stopping: the request was cut short, not failed.
                log.debug("reconcile cancelled", metadata: ["controller": "\(name)"])
            } catch {
                count("error")
                log.warning("reconcile failed; retrying with backoff", metadata: ["controller": "\(name)", "error": "\(error)"])
                await queue.addRateLimited(key, atLeast: (error as? KubernetesError)?.retryAfter ?? .zero)
            }
            timer.record(duration: ContinuousClock.now - started)
            await queue.done(key)
        }
    }

    private func count(_ result: String) {
        Counter(label: "resilience_reconcile_total", dimensions: [("controller", name), ("result", result)], factory: metrics).increment()
    }
}

/// A cache a controller waits for before its first reconcile.
public protocol SyncedCache: Sendable {
    func waitUntilSynced() async
    /// Whether the first complete list is in.
    var isSynced: Bool { get }
    /// The kind the cache holds.
    var kind: String { get }
    /// Why the first list is not in yet, or nil.
    var failure: String? { get }
}

extension Store: SyncedCache {}

/// Reconcile ids, shared by a controller's workers.
private final class IDSource: Sendable {
    private let last = Atomic<UInt64>(0)

    func next() -> UInt64 { last.add(1, ordering: .relaxed).newValue }
}
