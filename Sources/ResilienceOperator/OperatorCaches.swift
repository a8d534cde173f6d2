import KubernetesAPI
import KubernetesClient
import Logging
import Metrics
import OperatorRuntime
import ResilienceCore

/// The watch caches the operator plans from: policies, Deployments, ReplicaSets, StatefulSets, their
/// ControllerRevisions, pods, the budgets (in the policy version the server serves) and autoscalers, in
/// one namespace or all; and the pods' Warning Events, quoted as evidence.
public struct OperatorCaches: Sendable {
    public let policies: Reflector<KubernetesListWatch<ResiliencePolicy>, ContinuousClock>
    public let deployments: Reflector<KubernetesListWatch<Deployment>, ContinuousClock>
    public let replicaSets: Reflector<KubernetesListWatch<ReplicaSet>, ContinuousClock>
    public let statefulSets: Reflector<KubernetesListWatch<StatefulSet>, ContinuousClock>
    /// A StatefulSet's revisions, without their templates (read when a rollback needs one).
    public let controllerRevisions: Reflector<KubernetesListWatch<ControllerRevision>, ContinuousClock>
    public let pods: Reflector<KubernetesListWatch<Pod>, ContinuousClock>
    public let autoscalers: Reflector<KubernetesListWatch<HorizontalPodAutoscaler>, ContinuousClock>
    /// For quarantine: the labels a pod's Services select it by.
    public let services: Reflector<KubernetesListWatch<Service>, ContinuousClock>
    public let budgets: Reflector<KubernetesListWatch<PodDisruptionBudget>, ContinuousClock>?
    public let legacyBudgets: Reflector<KubernetesListWatch<LegacyPodDisruptionBudget>, ContinuousClock>?
    /// The pods' Warning Events (the kubelet's BackOff, Unhealthy, Failed...), found by the pod's UID: the
    /// evidence quotes them. Listing a pod's Events when it acts would read every Event of the namespace
    /// from etcd (the API server keeps no watch cache for Events) for each action. The operator's own
    /// Events are not evidence and are left out by the server (``warningSelector``): each action's
    /// Warning on its pod would otherwise come straight back.
    public let podWarnings: Reflector<KubernetesListWatch<Event>, ContinuousClock>

    /// - Parameter podClient: the client the pods are watched through (the one actions go through, pinned
    ///   to the loop the path from a pod's change to its action runs on); `client` when nil.
    public init(
        client: KubernetesClient, podClient: KubernetesClient? = nil, namespace: String?, policyVersion: String, logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        let clock = ContinuousClock()
        policies = Reflector(
            KubernetesListWatch(ResiliencePolicy.self, client: client, namespace: namespace), store: Store(index: Self.protected), clock: clock, logger: logger,
            metrics: metrics)
        deployments = Reflector(
            KubernetesListWatch(Deployment.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics,
            transform: Self.deploymentProjection)
        replicaSets = Reflector(
            KubernetesListWatch(ReplicaSet.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics,
            transform: Self.withoutAppliedConfiguration)
        statefulSets = Reflector(
            KubernetesListWatch(StatefulSet.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics,
            transform: Self.withoutAppliedConfiguration)
        controllerRevisions = Reflector(
            KubernetesListWatch(ControllerRevision.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        pods = Reflector(
            KubernetesListWatch(Pod.self, client: podClient ?? client, namespace: namespace), clock: clock, logger: logger, metrics: metrics,
            transform: Self.podProjection)
        autoscalers = Reflector(KubernetesListWatch(HorizontalPodAutoscaler.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        services = Reflector(KubernetesListWatch(Service.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        podWarnings = Reflector(
            KubernetesListWatch(Event.self, client: client, namespace: namespace, fieldSelector: Self.warningSelector),
            store: Store(index: { $0.involvedObject.uid.map { [$0] } ?? [] }), clock: clock, logger: logger, metrics: metrics, transform: Self.eventProjection)
        if policyVersion == LegacyPodDisruptionBudget.apiVersion {
            budgets = nil
            legacyBudgets = Reflector(KubernetesListWatch(LegacyPodDisruptionBudget.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
        } else {
            budgets = Reflector(KubernetesListWatch(PodDisruptionBudget.self, client: client, namespace: namespace), clock: clock, logger: logger, metrics: metrics)
            legacyBudgets = nil
        }
    }

    /// Which Events the Warning watch asks for: about pods, of type Warning, not written by the operator.
    public static let warningSelector = "involvedObject.kind=Pod,type=Warning,source!=\(ResilienceOperator.component)"

    /// The strings many pods repeat, shared by the pod cache.
    public static let podStrings = StringInterner()

    /// A pod as the cache keeps it: what the planner, the prober and the triggers read. Annotations,
    /// generateName, the node and a True PodScheduled condition go (nothing reads them), so an
    /// annotation-only change or the scheduler's binding is no change at all; the strings pods share
    /// (namespace, owner, labels, condition types and reasons) are kept once (``StringInterner``).
    @Sendable public static func podProjection(_ pod: Pod) -> Pod {
        let shared = podStrings
        var metadata = pod.metadata
        metadata.annotations = nil
        metadata.generateName = nil
        metadata.namespace = shared(metadata.namespace)
        if let labels = metadata.labels {
            metadata.labels = Dictionary(uniqueKeysWithValues: labels.map { (shared($0.key), shared($0.value)) })
        }
        metadata.ownerReferences = metadata.ownerReferences?.map { owner in
            var owner = owner
            owner.apiVersion = shared(owner.apiVersion)
            owner.kind = shared(owner.kind)
            owner.name = shared(owner.name)
            owner.uid = shared(owner.uid)
            return owner
        }
        var status = pod.status
        if var observed = status {
            // A pod scheduled is no news to the planner (it reads only why a pod could not be), nor is the
            // node it landed on: the scheduler's binding of each new pod plans nothing.
            observed.conditions = observed.conditions?.compactMap { condition in
                if condition.type == "PodScheduled", condition.status == "True" { return nil }
                var condition = condition
                condition.type = shared(condition.type)
                condition.reason = shared(condition.reason)
                return condition
            }
            observed.containerStatuses = observed.containerStatuses?.map { container in
                var container = container
                container.name = shared(container.name)
                return container
            }
            status = observed
        }
        var spec = pod.spec
        spec?.nodeName = nil
        // Built once: a pod's fields are one immutable reference, which each change would make anew.
        return Pod(metadata: metadata, spec: spec, status: status)
    }

    /// The longest Event message the cache keeps, in UTF-8 bytes: evidence quotes a few of them in a
    /// field of 600 characters.
    static let eventMessageLimit = 256

    /// An Event as the cache keeps it: what the evidence quotes (reason, message, count and time) and
    /// the pod it is about. The reporting fields, managed fields and the message beyond
    /// ``eventMessageLimit`` go; the strings Events repeat are kept once.
    @Sendable public static func eventProjection(_ event: Event) -> Event {
        let shared = podStrings
        var metadata = ObjectMeta()
        metadata.name = event.metadata.name
        metadata.namespace = shared(event.metadata.namespace)
        metadata.resourceVersion = event.metadata.resourceVersion
        var kept = Event(
            metadata: metadata,
            involvedObject: ObjectReference(kind: shared(event.involvedObject.kind), name: event.involvedObject.name, uid: event.involvedObject.uid))
        kept.type = shared(event.type)
        kept.reason = shared(event.reason)
        if let message = event.message {
            kept.message = message.utf8.count > eventMessageLimit ? String(decoding: message.utf8.prefix(eventMessageLimit), as: UTF8.self) + "…" : message
        }
        kept.count = event.count
        kept.lastTimestamp = event.lastTimestamp ?? event.firstTimestamp
        kept.eventTime = kept.lastTimestamp == nil ? event.eventTime : nil
        return kept
    }

    /// The Warning Events about `pod` (this pod, not an earlier one of the same name), as cached.
    public func warnings(about pod: Pod) -> [Event] {
        guard let uid = pod.metadata.uid else { return [] }
        return podWarnings.store.indexed(uid)
    }

    /// A Deployment as the cache keeps it: its ready count goes (the planner judges the pods themselves),
    /// so the controller's status write for each pod that comes or goes Ready is no change at all. Its
    /// replica counts stay only while a rollout leaves old pods (more replicas than updated ones, which
    /// the planner reports): otherwise a pod evicted and replaced (10, 9, then 10 replicas, all updated)
    /// would plan twice for nothing.
    @Sendable public static func deploymentProjection(_ deployment: Deployment) -> Deployment {
        var deployment = withoutAppliedConfiguration(deployment)
        deployment.status?.readyReplicas = nil
        if let status = deployment.status, let total = status.replicas, let updated = status.updatedReplicas, total <= updated {
            deployment.status?.replicas = nil
            deployment.status?.updatedReplicas = nil
        }
        return deployment
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

    /// The caches the operator can act without, refusing what needs them: StatefulSets and their
    /// ControllerRevisions (StatefulSet targets; an install from before they were targets may not grant
    /// them), HPAs (scaling), Services (quarantine), PodDisruptionBudgets (the API server enforces them on
    /// evictions anyway), the pods' Warning Events (evidence goes without them).
    public var optional: [any SyncedCache] {
        var caches: [any SyncedCache] = [statefulSets.store, controllerRevisions.store, autoscalers.store, services.store, podWarnings.store]
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

    /// The policies that protect the target `workload` (by name or by its labels): looked up by its key in
    /// the policies' index; only the namespace's selector policies are matched one by one.
    public func policies(protecting workload: WorkloadKey) -> [ObjectKey] {
        let labels = switch workload.kind {
        case .deployment: deployments.store.get(workload.object)?.metadata.labels
        case .statefulSet: statefulSets.store.get(workload.object)?.metadata.labels
        }
        let named = policies.store.indexed(workload.description)
        let selecting = policies.store.indexed(Self.selectorIndex(workload.namespace)).filter { $0.spec.selector?.matches(labels) ?? false }
        return (named + selecting).compactMap { ObjectKey($0.metadata) }
    }

    /// The targets that `policies` name or select, as the caches hold them.
    public func workloads(protectedBy policies: [ResiliencePolicy]) -> Set<WorkloadKey> {
        var keys: Set<WorkloadKey> = []
        for policy in policies {
            let namespace = policy.metadata.namespace ?? ""
            if let reference = policy.spec.targetRef, let kind = WorkloadKind(rawValue: reference.kind) {
                keys.insert(WorkloadKey(kind: kind, namespace: namespace, name: reference.name))
            } else if let selector = policy.spec.selector {
                keys.formUnion(deployments.store.list(namespace: namespace, selector: selector).map { Workload.deployment($0).key })
                keys.formUnion(statefulSets.store.list(namespace: namespace, selector: selector).map { Workload.statefulSet($0).key })
            }
        }
        return keys
    }

    /// The target that controls `pod`: its Deployment through its ReplicaSet, or its StatefulSet.
    public func workload(of pod: Pod) -> WorkloadKey? {
        if let statefulSet = OwnerChain.controller(of: pod.metadata, kind: StatefulSet.kind) {
            return WorkloadKey(kind: .statefulSet, namespace: statefulSet.namespace, name: statefulSet.name)
        }
        return OwnerChain.deployment(of: pod, replicaSets: replicaSets.store).map { WorkloadKey(kind: .deployment, namespace: $0.namespace, name: $0.name) }
    }

    /// The name of the revision (ReplicaSet or ControllerRevision) with `uid` that `workload` controls, if
    /// it still exists.
    public func revision(of workload: WorkloadKey, uid: String) -> String? {
        switch workload.kind {
        case .deployment:
            guard let owner = deployments.store.get(workload.object)?.metadata.uid else { return nil }
            return replicaSets.store.owned(by: owner).first { $0.metadata.uid == uid }?.metadata.name
        case .statefulSet:
            guard let owner = statefulSets.store.get(workload.object)?.metadata.uid else { return nil }
            return controllerRevisions.store.owned(by: owner).first { $0.metadata.uid == uid }?.metadata.name
        }
    }

    /// The target's UID, as the cache holds it.
    public func uid(of workload: WorkloadKey) -> String? {
        switch workload.kind {
        case .deployment: return deployments.store.get(workload.object)?.metadata.uid
        case .statefulSet: return statefulSets.store.get(workload.object)?.metadata.uid
        }
    }

    /// What a policy is found by: the key (``WorkloadKey``) of the target its targetRef names, or, for a
    /// selector, its namespace's selector entry.
    @Sendable private static func protected(_ policy: ResiliencePolicy) -> [String] {
        let namespace = policy.metadata.namespace ?? ""
        if let reference = policy.spec.targetRef {
            guard let kind = WorkloadKind(rawValue: reference.kind) else { return [] }
            return [WorkloadKey(kind: kind, namespace: namespace, name: reference.name).description]
        }
        return policy.spec.selector == nil ? [] : [selectorIndex(namespace)]
    }

    /// The index entry of a namespace's selector policies (no object name contains a space).
    private static func selectorIndex(_ namespace: String) -> String {
        "\(namespace) selector"
    }
}
