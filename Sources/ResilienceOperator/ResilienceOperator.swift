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
import ResilienceCore
import Synchronization

/// The running operator: watch caches, triggers that map every change to the policies it concerns, the
/// controller that reconciles them, and the health endpoints.
public struct ResilienceOperator: Sendable {
    /// What `run` is configured with.
    public struct Configuration: Sendable {
        /// Watch one namespace, or all (nil).
        public var namespace: String?
        /// Where /healthz and /readyz are served, as host:port; nil serves nothing.
        public var healthAddress: (host: String, port: Int)?
        /// Prometheus's base URL, for metric rules; nil leaves their samples unknown.
        public var prometheus: String?
        /// How often metric rules are queried.
        public var metricsInterval: Duration = .seconds(15)
        /// The name Events carry as the reporting instance.
        public var instance: String
        public var workers = 4

        public init(namespace: String? = nil, healthAddress: (host: String, port: Int)? = nil, instance: String) {
            self.namespace = namespace
            self.healthAddress = healthAddress
            self.instance = instance
        }
    }

    private let client: KubernetesClient
    private let configuration: Configuration
    private let logger: Logger

    public init(client: KubernetesClient, configuration: Configuration, logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until the task is cancelled.
    public func run() async throws {
        let policyVersion = try await client.servedVersions().first(of: ["policy/v1", "policy/v1beta1"]) ?? "policy/v1"
        let caches = OperatorCaches(client: client, namespace: configuration.namespace, policyVersion: policyVersion, logger: logger)
        let events = EventRecorder(client: client, component: "resilience.dev/operator", instance: configuration.instance, logger: logger)
        let prober = Prober(caches: caches, logger: logger)
        let querier = configuration.prometheus.map { MetricQuerier(caches: caches, prometheus: $0, interval: configuration.metricsInterval, logger: logger) }
        let reconciler = PolicyReconciler(
            client: client, caches: caches, executor: ActionExecutor(client: client, policyVersion: policyVersion), events: events,
            prober: prober, querier: querier, logger: logger)
        let queue = WorkQueue<ObjectKey, ContinuousClock>(name: "policies", clock: ContinuousClock())
        let controller = Controller(name: "policies", queue: queue, concurrency: configuration.workers, logger: logger) { key in
            try await reconciler.reconcile(key)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var health: HTTPServer?
        if let address = configuration.healthAddress {
            let stores = caches.all
            let synced = SyncFlag()
            Task { for store in stores { await store.waitUntilSynced() }; synced.set() }
            health = try await HTTPServer.start(host: address.host, port: address.port, group: group) { head in
                switch head.uri {
                case "/healthz": return .respond(status: .ok, contentType: "text/plain", body: "ok\n")
                case "/readyz": return synced.isSet ? .respond(status: .ok, contentType: "text/plain", body: "ok\n") : .respond(status: .serviceUnavailable, contentType: "text/plain", body: "caches not synced\n")
                default: return .respond(status: .notFound, contentType: "text/plain", body: "not found\n")
                }
            }
        }
        @Sendable func protecting(_ deployment: ObjectKey?) async {
            guard let deployment else { return }
            for key in caches.policies(protecting: deployment) { await queue.add(key) }
        }
        await withDiscardingTaskGroup { tasks in
            tasks.addTask { await caches.policies.run { event in for policy in event.objects { if let key = ObjectKey(policy.metadata) { await queue.add(key) } } } }
            tasks.addTask { await caches.deployments.run { event in for deployment in event.objects { await protecting(ObjectKey(deployment.metadata)) } } }
            tasks.addTask { await caches.replicaSets.run { event in for set in event.objects { await protecting(OwnerChain.controller(of: set.metadata, kind: "Deployment")) } } }
            tasks.addTask { await caches.pods.run { event in for pod in event.objects { await protecting(OwnerChain.deployment(of: pod, replicaSets: caches.replicaSets.store)) } } }
            tasks.addTask { await caches.autoscalers.run() }
            if let budgets = caches.budgets { tasks.addTask { await budgets.run() } }
            if let legacy = caches.legacyBudgets { tasks.addTask { await legacy.run() } }
            tasks.addTask { await controller.run(waitingFor: caches.all) }
            tasks.addTask {
                for cache in caches.all { await cache.waitUntilSynced() }
                await prober.run { key in await queue.add(key) }
            }
            if let querier {
                tasks.addTask {
                    for cache in caches.all { await cache.waitUntilSynced() }
                    await querier.run { key in await queue.add(key) }
                }
            }
        }
        await health?.close()
        try? await group.shutdownGracefully()
    }
}

/// A flag one task sets and HTTP handlers read.
private final class SyncFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
