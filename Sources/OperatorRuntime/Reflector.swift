import KubernetesAPI
import KubernetesClient
import Logging
import Metrics

/// Keeps a ``Store`` in step with the API: runs a ``Watcher`` until cancelled, backing off after
/// failures in a row (``Backoff``: 0.8 s to 30 s with jitter, reset after 120 s of health), and tells an observer
/// about each event once the store holds it. A `transform` (client-go's `SetTransform`) trims each object
/// before the store keeps it: the cache holds projections, not whole objects.
///
/// A stream that delivered something before it broke (a connection cut, a proxy or load balancer
/// closing it) is watched again at once from where it got to, as client-go's reflector does: only a
/// failure with nothing delivered since the last one backs off, so one cut costs no blind seconds.
///
/// Metrics: `resilience_watch_restarts_total{kind, reason}` counts failures that interrupted the watch.
public struct Reflector<Source: ListWatch, C: Clock>: Sendable where C.Duration == Duration {
    public let store: Store<Source.Resource>
    private let source: Source
    private let clock: C
    private let logger: Logger
    private let pageSize: Int
    private let metrics: any MetricsFactory
    private let transform: (@Sendable (Source.Resource) -> Source.Resource)?

    public init(
        _ source: Source,
        store: Store<Source.Resource> = Store(),
        clock: C,
        pageSize: Int = 500,
        logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory,
        transform: (@Sendable (Source.Resource) -> Source.Resource)? = nil
    ) {
        self.transform = transform
        self.source = source
        self.store = store
        self.clock = clock
        self.pageSize = pageSize
        self.logger = logger
        self.metrics = metrics
    }

    /// Runs until the task is cancelled. `onEvent` runs after the store has applied the event.
    public func run(onEvent: @Sendable (WatcherEvent<Source.Resource>) async -> Void = { _ in }) async {
        await run(onChange: { event, _ in await onEvent(event) })
    }

    /// Runs until the task is cancelled. `onChange` runs after the store has applied the event, with the
    /// version the store held before an `apply` or `delete` (nil for a new object and for a relist), so
    /// that a trigger can skip changes that matter to nobody (controller-runtime's predicates).
    public func run(onChange: @Sendable (WatcherEvent<Source.Resource>, Source.Resource?) async -> Void) async {
        var watcher = Watcher(source, pageSize: pageSize)
        var backoff = Backoff<C.Instant>()
        let kind = Source.Resource.kind
        // Whether anything was delivered since the last failure.
        var progressed = false
        while !Task.isCancelled {
            do {
                let events = try await watcher.step()
                progressed = progressed || !events.isEmpty
                for event in events {
                    let event = transform.map { event.map($0) } ?? event
                    let previous = store.apply(event)
                    await onChange(event, previous)
                }
            } catch {
                if Task.isCancelled { return }
                let reason = (error as? KubernetesError).map { "\($0.reason)" } ?? "other"
                store.noteFailure("\(error)")
                Counter(label: "resilience_watch_restarts_total", dimensions: [("kind", kind), ("reason", reason)], factory: metrics).increment()
                // A server that asked for time (429 with Retry-After) gets at least that long.
                let asked = (error as? KubernetesError)?.retryAfter ?? .zero
                let delay: Duration
                if progressed {
                    backoff.reset()
                    delay = asked
                } else {
                    delay = max(backoff.next(at: clock.now), asked)
                }
                progressed = false
                logger.warning(
                    "watch interrupted; retrying",
                    metadata: ["kind": "\(kind)", "error": "\(error)", "retryIn": "\(delay)", "relist": "\(watcher.resourceVersion == nil)"])
                guard delay > .zero else { continue }
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    return
                }
            }
        }
    }
}
