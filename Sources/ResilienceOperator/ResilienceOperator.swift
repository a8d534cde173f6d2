#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import Logging
import NIOPosix
import OperatorRuntime
import Prometheus
import ResilienceCore
import ServiceLifecycle
import Synchronization

/// The running operator: watch caches (policies, Deployments, ReplicaSets, StatefulSets, ControllerRevisions,
/// pods, PDBs, HPAs, Services),
/// triggers that map every change that can change a plan (``ChangePredicates``) to the policies it
/// concerns, the HTTP endpoints, and, while this replica leads, the controller that reconciles the
/// policies with the active probes and metric queries that feed it.
///
/// A pod's change reaches its policies through its ReplicaSet and Deployment (or its StatefulSet), each looked up by key in
/// the caches: the cost of a change does not grow with the namespace.
///
/// Every replica keeps its caches warm and serves its endpoints; only the leader acts. Each term of
/// leadership starts from the memory the policies' status carries, so a new leader neither repeats nor
/// forgets what the last one did. A replica that loses the lease stops acting and `run` throws
/// ``LeadershipLost``: exit and let the Deployment restart it, as client-go's controllers do.
public struct ResilienceOperator: ServiceLifecycle.Service {
    /// The reporting component of the operator's Events (`source.component` and `reportingComponent`).
    public static let component = "resilience.dev/operator"

    /// What `run` is configured with.
    public struct Configuration: Sendable {
        /// Watch one namespace, or all (nil).
        public var namespace: String?
        /// Where /healthz, /readyz and /metrics are served, as host and port (0 picks a free port);
        /// nil serves nothing.
        public var endpoints: (host: String, port: Int)?
        /// Told the endpoints' port once they listen.
        public var onListening: @Sendable (Int) async -> Void = { _ in }
        /// Where the operator's metrics go; /metrics shows this registry.
        public var registry = PrometheusCollectorRegistry()
        /// Act only while holding this Lease; nil acts at once (one replica only).
        public var leaderElection: LeaderElector<ContinuousClock>.Configuration?
        /// The operator-wide action budget across all policies; nil leaves it to the policies.
        public var maxActions: (count: Int, window: Duration)?
        /// Prometheus's base URL, for metric rules; nil leaves their samples unknown.
        public var prometheus: String?
        /// How often metric rules are queried.
        public var metricsInterval: Duration = .seconds(15)
        /// The name Events carry as the reporting instance.
        public var instance: String
        public var workers = 4
        /// How long a term waits for the caches it can act without (HPAs, Services, PodDisruptionBudgets)
        /// before it acts with what it can read: a kind RBAC does not let it list would otherwise keep it
        /// silent for good. Actions that need a missing kind are refused, and the status says so.
        public var optionalCacheSync: Duration = .seconds(60)
        /// Every action frozen, with this reason (`--freeze`).
        public var freeze: String?
        /// The ConfigMap whose presence freezes every action, if any.
        public var freezeConfigMap: ObjectKey?

        public init(namespace: String? = nil, endpoints: (host: String, port: Int)? = nil, instance: String) {
            self.namespace = namespace
            self.endpoints = endpoints
            self.instance = instance
        }
    }

    /// This replica lost the leader Lease; it has stopped acting.
    public struct LeadershipLost: Error, CustomStringConvertible {
        public var description: String { "lost the leader lease; stopped acting" }
    }

    private let client: KubernetesClient
    private let configuration: Configuration
    private let logger: Logger

    public init(client: KubernetesClient, configuration: Configuration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until the task is cancelled or a graceful shutdown is requested (SIGTERM in a
    /// `ServiceGroup`); a leader releases its Lease on the way out.
    ///
    /// The path from a pod's change to its action runs on one NIO event loop (``EventLoopExecutor``): the
    /// pod watch's connection, the reconciles its events wake and the connections their actions go out
    /// on. A pod's change is read, judged and acted on without being handed to another thread.
    public func run() async throws {
        let hotPath = EventLoopExecutor(MultiThreadedEventLoopGroup.singleton.next())
        let actionClient = client.pinned(to: hotPath.loop)
        do {
            try await cancelWhenGracefulShutdown { try await serve(hotPath: hotPath, actionClient: actionClient) }
        } catch {
            // Not awaited: a connection still being made to an API server that stopped answering would hold
            // the close for its whole connect timeout, and the error (a lost lease, say) is for the caller to
            // act on now. The close finishes on its own.
            Task { try? await actionClient.shutdown() }
            throw error
        }
        try await actionClient.shutdown()
    }

    private func serve(hotPath: EventLoopExecutor, actionClient: KubernetesClient) async throws {
        Heap.mapLargeBlocksApart()
        let policyVersion = try await client.servedVersions().first(of: ["policy/v1", "policy/v1beta1"]) ?? "policy/v1"
        var factory = PrometheusMetricsFactory(registry: configuration.registry)
        factory.durationHistogramBuckets["resilience_detection_to_action_seconds"] =
            [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300].map { .milliseconds(Int64($0 * 1000)) }
        let metrics = factory
        let caches = OperatorCaches(
            client: client, podClient: actionClient, namespace: configuration.namespace, policyVersion: policyVersion, logger: logger, metrics: metrics)
        let synced = SyncFlag()
        let slot = QueueSlot()
        let freeze = FreezeSwitch(flag: configuration.freeze, configMap: configuration.freezeConfigMap, client: client, logger: logger)
        @Sendable func protecting(_ workload: WorkloadKey?, after delay: Duration = .zero, because reason: @autoclosure () -> ReconcileReason) async {
            guard let workload else { return }
            let keys = caches.policies(protecting: workload)
            guard !keys.isEmpty else { return }
            let reason = reason()
            for key in keys { await slot.add(key, reason: reason, target: "\(workload)", after: delay) }
        }
        /// Maps one event of a kind the policies' targets are made of to the policies it concerns. With
        /// `urgent`, a change it does not call urgent, and a deletion, are planned
        /// ``ChangePredicates/unhurried`` later; without, every change is planned at once.
        @Sendable func trigger<R: KubernetesResource & Equatable>(
            _ event: WatcherEvent<R>, _ previous: R?, urgent: ((R, R?) -> Bool)? = nil, workload: (R) -> WorkloadKey?
        ) async {
            switch event {
            case .initStart, .initPage:
                return
            case .initDone:
                // A relist may stand for any number of missed changes: every policy plans again (the first
                // list comes before any term of leadership, which queues every policy itself).
                for key in caches.policies.store.list().compactMap({ ObjectKey($0.metadata) }) {
                    await slot.add(key, reason: .requested("a relist of \(R.kind)"))
                }
            case .apply(let object), .delete(let object):
                if case .apply = event, !ChangePredicates.matters(object, previous: previous) { return }
                let now = if let urgent, case .apply = event { urgent(object, previous) } else { urgent == nil }
                await protecting(workload(object), after: now ? .zero : ChangePredicates.unhurried,
                                 because: .objectChanged(kind: R.kind, object: "\(object.metadata.namespace ?? "")/\(object.metadata.name ?? "")"))
            }
        }
        try await withThrowingDiscardingTaskGroup { tasks in
            if let address = configuration.endpoints {
                let endpoints = OperatorEndpoints(
                    host: address.host, port: address.port, registry: configuration.registry, synced: synced, caches: caches.all, logger: logger,
                    onListening: configuration.onListening)
                tasks.addTask { try await endpoints.run() }
            }
            tasks.addTask {
                await caches.policies.run { event, previous in
                    var policies = event.objects
                    if case .apply(let policy) = event, !ChangePredicates.matters(policy, previous: previous) { policies = [] }
                    for policy in policies {
                        guard let key = ObjectKey(policy.metadata) else { continue }
                        await slot.add(key, reason: .objectChanged(kind: ResiliencePolicy.kind, object: "\(key)"))
                        // Another policy on the same targets may own them now, or no longer (PolicyOverlap).
                        for workload in caches.workloads(protectedBy: [policy] + (previous.map { [$0] } ?? [])) {
                            for other in caches.policies(protecting: workload) where other != key {
                                await slot.add(other, reason: .objectChanged(kind: ResiliencePolicy.kind, object: "\(key)"), target: "\(workload)")
                            }
                        }
                    }
                    if !policies.isEmpty || event.isRelist { slot.policiesChanged() }
                }
            }
            tasks.addTask { await caches.deployments.run { event, previous in await trigger(event, previous) { Workload.deployment($0).key } } }
            tasks.addTask {
                await caches.replicaSets.run { event, previous in
                    await trigger(event, previous) { set in
                        OwnerChain.controller(of: set.metadata, kind: Deployment.kind).map { WorkloadKey(kind: .deployment, namespace: $0.namespace, name: $0.name) }
                    }
                }
            }
            tasks.addTask { await caches.statefulSets.run { event, previous in await trigger(event, previous) { Workload.statefulSet($0).key } } }
            tasks.addTask {
                await caches.controllerRevisions.run { event, previous in
                    await trigger(event, previous) { revision in
                        OwnerChain.controller(of: revision.metadata, kind: StatefulSet.kind).map { WorkloadKey(kind: .statefulSet, namespace: $0.namespace, name: $0.name) }
                    }
                }
            }
            tasks.addTask(executorPreference: hotPath) {
                await caches.pods.run { event, previous in
                    await trigger(event, previous, urgent: ChangePredicates.urgent) { caches.workload(of: $0) }
                }
            }
            tasks.addTask {
                // A freeze starting or lifting: every policy plans again at once.
                await freeze.run {
                    if let reason = freeze.reason { logger.notice("frozen: every action stops", metadata: ["reason": "\(reason)"]) } else { logger.notice("the freeze is lifted") }
                    for key in caches.policies.store.list().compactMap({ ObjectKey($0.metadata) }) {
                        await slot.add(key, reason: .requested("the freeze changed"))
                    }
                }
            }
            tasks.addTask { await caches.autoscalers.run() }
            tasks.addTask { await caches.services.run() }
            tasks.addTask { await caches.podWarnings.run() }
            if let budgets = caches.budgets { tasks.addTask { await budgets.run() } }
            if let legacy = caches.legacyBudgets { tasks.addTask { await legacy.run() } }
            tasks.addTask {
                for cache in caches.all { await cache.waitUntilSynced() }
                synced.set()
                // The first lists decoded every object of every watched kind in pages; glibc keeps the pages
                // they freed. Hand them back: steady memory is then what the caches hold.
                Heap.trim()
            }
            tasks.addTask {
                func term(leading: @escaping @Sendable () -> Bool) -> Term {
                    Term(client: client, actionClient: actionClient, hotPath: hotPath, configuration: configuration, caches: caches, policyVersion: policyVersion, slot: slot, metrics: metrics,
                         logger: logger, freeze: freeze, leading: leading)
                }
                guard let election = configuration.leaderElection else { return await term(leading: { true }).lead() }
                let elector = LeaderElector(configuration: election, client: client, clock: ContinuousClock(), logger: logger)
                let fenced = term(leading: { elector.fence.isHeld })
                if await elector.run(lead: { await fenced.lead() }) == .lost { throw LeadershipLost() }
            }
        }
    }
}

/// One term of acting: a fresh queue, reconciler, prober and querier, from the caches and the memory
/// the policies' status carries, until the term ends.
private struct Term: Sendable {
    let client: KubernetesClient
    /// The client actions go through, its connections on `hotPath`'s loop.
    let actionClient: KubernetesClient
    /// Where reconciles run.
    let hotPath: EventLoopExecutor
    let configuration: ResilienceOperator.Configuration
    let caches: OperatorCaches
    let policyVersion: String
    let slot: QueueSlot
    let metrics: PrometheusMetricsFactory
    let logger: Logger
    let freeze: FreezeSwitch
    /// Whether this replica still leads: every write an action or a status makes checks it first.
    let leading: @Sendable () -> Bool

    func lead() async {
        for cache in caches.essential { await cache.waitUntilSynced() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for cache in caches.optional { await cache.waitUntilSynced() } }
            group.addTask { try? await Task.sleep(for: configuration.optionalCacheSync) }
            await group.next()
            group.cancelAll()
        }
        if Task.isCancelled { return }
        for cache in caches.optional where !cache.isSynced {
            logger.error("acting without a cache that has not synced: actions that need it are refused", metadata: [
                "kind": "\(cache.kind)", "error": "\(cache.failure ?? "listing")", "waited": "\(configuration.optionalCacheSync)",
            ])
        }
        let policies = caches.policies.store.list()
        let budget = configuration.maxActions.map { limit in
            ClusterBudget(count: limit.count, window: Double(limit.window.components.seconds),
                          taken: policies.flatMap { $0.status?.memory?.actions.filter(\.succeeded).map(\.time) ?? [] })
        }
        let prober = Prober(caches: caches, logger: logger)
        let querier = configuration.prometheus.map { MetricQuerier(caches: caches, prometheus: $0, interval: configuration.metricsInterval, logger: logger) }
        let holds = AlertHoldReader(caches: caches, prometheus: configuration.prometheus, interval: configuration.metricsInterval, logger: logger)
        let notifier = Notifier(
            client: client, events: EventRecorder(client: client, component: ResilienceOperator.component, instance: configuration.instance, logger: logger),
            logger: logger, metrics: metrics)
        let statusWriter = StatusWriter(client: client, logger: logger, clock: ContinuousClock(), metrics: metrics, leading: leading)
        let executor = ActionExecutor(client: actionClient, policyVersion: policyVersion)
        let reconciler = PolicyReconciler(
            caches: caches, planning: PolicyPlanning(caches: caches, prober: prober, querier: querier, holds: holds, freeze: freeze),
            executor: executor, notifier: notifier, statusWriter: statusWriter,
            budget: budget, metrics: OperatorMetrics(factory: metrics), finalizer: PolicyFinalizer(client: client, caches: caches, executor: executor),
            leading: leading)
        let queue = WorkQueue<ObjectKey, ContinuousClock>(name: "policies", clock: ContinuousClock(), metrics: metrics)
        let controller = Controller(name: "policies", queue: queue, concurrency: configuration.workers, logger: logger, metrics: metrics) { key, context in
            try await reconciler.reconcile(key, context: context)
        }
        slot.set(queue, reconciler: reconciler, prober: prober, querier: querier, holds: holds)
        for policy in policies { if let key = ObjectKey(policy.metadata) { await queue.add(key, reason: .requested("a new term of leadership")) } }
        await withDiscardingTaskGroup { tasks in
            tasks.addTask(executorPreference: hotPath) { await controller.run(waitingFor: caches.essential) }
            tasks.addTask { await notifier.run() }
            tasks.addTask { await statusWriter.run() }
            // New samples may change any target's judgement.
            tasks.addTask {
                await prober.run { key in
                    reconciler.changed(key, target: nil)
                    await queue.add(key, reason: .requested("a probe round"))
                }
            }
            // A hold starting or lifting changes what every target may do.
            tasks.addTask {
                await holds.run { key in
                    reconciler.changed(key, target: nil)
                    await queue.add(key, reason: .requested("an alert hold changed"))
                }
            }
            if let querier {
                tasks.addTask {
                    await querier.run { key in
                        reconciler.changed(key, target: nil)
                        await queue.add(key, reason: .requested("a metric query"))
                    }
                }
            }
        }
        slot.set(nil, reconciler: nil, prober: nil, querier: nil, holds: nil)
        // The workers have stopped: what they did is still told and remembered before the Lease goes.
        await statusWriter.drain(within: .seconds(5))
        await notifier.drain(within: .seconds(5))
    }
}

/// The queue, prober, querier and alert reader of the current term, which the watch triggers feed; between terms,
/// changes are dropped (a new term queues every policy anyway).
private final class QueueSlot: Sendable {
    private struct Current {
        var queue: WorkQueue<ObjectKey, ContinuousClock>?
        var reconciler: PolicyReconciler?
        var prober: Prober?
        var querier: MetricQuerier?
        var holds: AlertHoldReader?
    }

    private let current = Mutex(Current())

    func set(_ queue: WorkQueue<ObjectKey, ContinuousClock>?, reconciler: PolicyReconciler?, prober: Prober?, querier: MetricQuerier?, holds: AlertHoldReader?) {
        current.withLock { $0 = Current(queue: queue, reconciler: reconciler, prober: prober, querier: querier, holds: holds) }
    }

    /// Queues the policy, `delay` from now, to plan `target` (`namespace/name`) again, or every target when nil.
    func add(_ key: ObjectKey, reason: ReconcileReason, target: String? = nil, after delay: Duration = .zero) async {
        let (queue, reconciler) = current.withLock { ($0.queue, $0.reconciler) }
        reconciler?.changed(key, target: target)
        await queue?.add(key, after: delay, reason: reason)
    }

    /// A policy changed: the prober, querier and alert reader look at their rules again.
    func policiesChanged() {
        let (prober, querier, holds) = current.withLock { ($0.prober, $0.querier, $0.holds) }
        prober?.policiesChanged()
        querier?.policiesChanged()
        holds?.policiesChanged()
    }
}
