import KubernetesAPI
import KubernetesClient
import Logging
import Metrics
import OperatorRuntime
import ResilienceCore

/// The watch caches the operator plans from: policies, Deployments, ReplicaSets, pods, the budgets (in
/// the policy version the server serves) and autoscalers, in one namespace or all.
public struct OperatorCaches: Sendable {
    public let policies: Reflector<KubernetesListWatch<ResiliencePolicy>, ContinuousClock>
    public let deployments: Reflector<KubernetesListWatch<Deployment>, ContinuousClock>
    public let replicaSets: Reflector<KubernetesListWatch<ReplicaSet>, ContinuousClock>
    public let pods: Reflector<KubernetesListWatch<Pod>, ContinuousClock>
    public let autoscalers: Reflector<KubernetesListWatch<HorizontalPodAutoscaler>, ContinuousClock>
    /// For quarantine: the labels a pod's Services select it by.
    public let services: Reflector<KubernetesListWatch<Service>, ContinuousClock>
    public let budgets: Reflector<KubernetesListWatch<PodDisruptionBudget>, ContinuousClock>?
    public let legacyBudgets: Reflector<KubernetesListWatch<LegacyPodDisruptionBudget>, ContinuousClock>?

    public init(client: KubernetesClient, namespace: String?, policyVersion: String, logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory) {
        let clock = ContinuousClock()
        policies = Reflector(KubernetesListWatch(ResiliencePolicy.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        deployments = Reflector(KubernetesListWatch(Deployment.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        replicaSets = Reflector(KubernetesListWatch(ReplicaSet.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        pods = Reflector(KubernetesListWatch(Pod.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        autoscalers = Reflector(KubernetesListWatch(HorizontalPodAutoscaler.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        services = Reflector(KubernetesListWatch(Service.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        if policyVersion == LegacyPodDisruptionBudget.apiVersion {
            budgets = nil
            legacyBudgets = Reflector(KubernetesListWatch(LegacyPodDisruptionBudget.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        } else {
            budgets = Reflector(KubernetesListWatch(PodDisruptionBudget.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
            legacyBudgets = nil
        }
    }

    /// Every cache, for waiting until all have synced.
    public var all: [any SyncedCache] {
        var caches: [any SyncedCache] = [policies.store, deployments.store, replicaSets.store, pods.store, autoscalers.store, services.store]
        if let budgets { caches.append(budgets.store) }
        if let legacyBudgets { caches.append(legacyBudgets.store) }
        return caches
    }

    /// The caches as a ``TargetSource``, with `prober`'s results (none without one).
    public func targets(probes prober: Prober?) -> CachedTargets {
        CachedTargets(caches: self, prober: prober)
    }

    /// The label keys by which Services send traffic to `pod`: quarantine removes them too.
    public func serviceLabels(of pod: Pod) -> Set<String> {
        Set(services.store.list(namespace: pod.metadata.namespace).filter { $0.selects(pod.metadata.labels) }.flatMap { ($0.spec?.selector ?? [:]).keys })
    }

    /// The policies that protect the Deployment `deployment` (by name or by its labels).
    public func policies(protecting deployment: ObjectKey) -> [ObjectKey] {
        let labels = deployments.store.get(deployment)?.metadata.labels
        return policies.store.list(namespace: deployment.namespace).filter { policy in
            if let reference = policy.spec.targetRef { return reference.name == deployment.name }
            return policy.spec.selector?.matches(labels) ?? false
        }.map { ObjectKey(namespace: $0.metadata.namespace ?? "", name: $0.metadata.name ?? "") }
    }
}
