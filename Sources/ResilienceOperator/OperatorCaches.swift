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
        policies = Reflector(
            KubernetesListWatch(ResiliencePolicy.self, client: client, namespace: namespace), store: Store(index: Self.protected), clock: clock, logger: logger,
            metrics: metrics)
        deployments = Reflector(
            KubernetesListWatch(Deployment.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics,
            transform: Self.withoutAppliedConfiguration)
        replicaSets = Reflector(
            KubernetesListWatch(ReplicaSet.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics,
            transform: Self.withoutAppliedConfiguration)
        pods = Reflector(
            KubernetesListWatch(Pod.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics,
            transform: Self.podProjection)
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

    /// The strings many pods repeat, shared by the pod cache.
    public static let podStrings = StringInterner()

    /// A pod as the cache keeps it: what the planner, the prober and the triggers read. Annotations and
    /// generateName go (nothing reads them), so an annotation-only change is no change at all; the
    /// strings pods share (namespace, owner, labels, condition types and reasons) are kept once
    /// (``StringInterner``).
    @Sendable public static func podProjection(_ pod: Pod) -> Pod {
        let shared = podStrings
        var pod = pod
        pod.metadata.annotations = nil
        pod.metadata.generateName = nil
        pod.metadata.namespace = shared(pod.metadata.namespace)
        if let labels = pod.metadata.labels {
            pod.metadata.labels = Dictionary(uniqueKeysWithValues: labels.map { (shared($0.key), shared($0.value)) })
        }
        pod.metadata.ownerReferences = pod.metadata.ownerReferences?.map { owner in
            var owner = owner
            owner.apiVersion = shared(owner.apiVersion)
            owner.kind = shared(owner.kind)
            owner.name = shared(owner.name)
            owner.uid = shared(owner.uid)
            return owner
        }
        if var status = pod.status {
            status.conditions = status.conditions?.map { condition in
                var condition = condition
                condition.type = shared(condition.type)
                condition.reason = shared(condition.reason)
                return condition
            }
            status.containerStatuses = status.containerStatuses?.map { container in
                var container = container
                container.name = shared(container.name)
                return container
            }
            pod.status = status
        }
        return pod
    }

    /// kubectl's copy of the last applied object, often the largest thing in an object, is never read.
    @Sendable static func withoutAppliedConfiguration<Resource: KubernetesResource>(_ object: Resource) -> Resource {
        guard object.metadata.annotations?["kubectl.kubernetes.io/last-applied-configuration"] != nil else { return object }
        var object = object
        object.metadata.annotations?["kubectl.kubernetes.io/last-applied-configuration"] = nil
        return object
    }

    /// The caches nothing can be planned without: policies, Deployments, ReplicaSets, pods.
    public var essential: [any SyncedCache] {
        [policies.store, deployments.store, replicaSets.store, pods.store]
    }

    /// The caches the operator can act without, refusing what needs them: HPAs (scaling), Services
    /// (quarantine), PodDisruptionBudgets (the API server enforces them on evictions anyway).
    public var optional: [any SyncedCache] {
        var caches: [any SyncedCache] = [autoscalers.store, services.store]
        if let budgets { caches.append(budgets.store) }
        if let legacyBudgets { caches.append(legacyBudgets.store) }
        return caches
    }

    /// The kinds of the optional caches not synced now, with why.
    public var unread: [(kind: String, failure: String)] {
        optional.filter { !$0.isSynced }.map { ($0.kind, $0.failure ?? "listing") }
    }

    /// Every cache, for waiting until all have synced.
    public var all: [any SyncedCache] {
        essential + optional
    }

    /// The caches as a ``TargetSource``, with `prober`'s results (none without one).
    public func targets(probes prober: Prober?) -> CachedTargets {
        CachedTargets(caches: self, prober: prober)
    }

    /// The label keys by which Services send traffic to `pod`: quarantine removes them too.
    public func serviceLabels(of pod: Pod) -> Set<String> {
        Set(services.store.list(namespace: pod.metadata.namespace).filter { $0.selects(pod.metadata.labels) }.flatMap { ($0.spec?.selector ?? [:]).keys })
    }

    /// The policies that protect the Deployment `deployment` (by name or by its labels): looked up by the
    /// name in the policies' index; only the namespace's selector policies are matched one by one.
    public func policies(protecting deployment: ObjectKey) -> [ObjectKey] {
        let labels = deployments.store.get(deployment)?.metadata.labels
        let named = policies.store.indexed("\(deployment.namespace)/\(deployment.name)")
        let selecting = policies.store.indexed(Self.selectorIndex(deployment.namespace)).filter { $0.spec.selector?.matches(labels) ?? false }
        return (named + selecting).compactMap { ObjectKey($0.metadata) }
    }

    /// The Deployments that `policies` name or select, as the cache holds them.
    public func deployments(protectedBy policies: [ResiliencePolicy]) -> Set<ObjectKey> {
        var keys: Set<ObjectKey> = []
        for policy in policies {
            let namespace = policy.metadata.namespace ?? ""
            if let reference = policy.spec.targetRef {
                keys.insert(ObjectKey(namespace: namespace, name: reference.name))
            } else if let selector = policy.spec.selector {
                keys.formUnion(deployments.store.list(namespace: namespace, selector: selector).compactMap { ObjectKey($0.metadata) })
            }
        }
        return keys
    }

    /// What a policy is found by: `namespace/name` of the Deployment its targetRef names, or, for a
    /// selector, its namespace's selector entry.
    @Sendable private static func protected(_ policy: ResiliencePolicy) -> [String] {
        let namespace = policy.metadata.namespace ?? ""
        if let reference = policy.spec.targetRef { return ["\(namespace)/\(reference.name)"] }
        return policy.spec.selector == nil ? [] : [selectorIndex(namespace)]
    }

    /// The index entry of a namespace's selector policies (no Deployment name contains a space).
    private static func selectorIndex(_ namespace: String) -> String {
        "\(namespace) selector"
    }
}
