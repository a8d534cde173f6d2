import KubernetesAPI
import OperatorRuntime
import ResilienceCore

/// The watch caches as a ``TargetSource``: a target by key, its ReplicaSets (or ControllerRevisions) and
/// pods through the stores' owner index, so that reading one target never touches the rest of its
/// namespace.
public struct CachedTargets: TargetSource {
    let caches: OperatorCaches
    let prober: Prober?

    public func deployment(_ key: ObjectKey) -> Deployment? {
        caches.deployments.store.get(key)
    }

    public func deployments(in namespace: String, matching selector: LabelSelector) -> [Deployment] {
        caches.deployments.store.list(namespace: namespace, selector: selector)
    }

    public func statefulSet(_ key: ObjectKey) -> StatefulSet? {
        caches.statefulSets.store.get(key)
    }

    public func statefulSets(in namespace: String, matching selector: LabelSelector) -> [StatefulSet] {
        caches.statefulSets.store.list(namespace: namespace, selector: selector)
    }

    public func replicaSets(controlledBy deployment: Deployment) -> [ReplicaSet] {
        guard let uid = deployment.metadata.uid else { return [] }
        return caches.replicaSets.store.owned(by: uid).filter { $0.metadata.controllerReference?.uid == uid }
    }

    public func controllerRevisions(controlledBy statefulSet: StatefulSet) -> [ControllerRevision] {
        guard let uid = statefulSet.metadata.uid else { return [] }
        return caches.controllerRevisions.store.owned(by: uid).filter { $0.metadata.controllerReference?.uid == uid }
    }

    public func pods(controlledBy owner: String) -> [Pod] {
        caches.pods.store.owned(by: owner).filter { $0.metadata.controllerReference?.uid == owner }
    }

    public func disruptionBudgets(in namespace: String) -> [PodDisruptionBudget] {
        caches.budgets?.store.list(namespace: namespace) ?? caches.legacyBudgets?.store.list(namespace: namespace).map(\.budget) ?? []
    }

    public func autoscalers(in namespace: String) -> [HorizontalPodAutoscaler] {
        caches.autoscalers.store.list(namespace: namespace)
    }

    public func probe(of pod: Pod) -> ProbeSample? {
        prober?.sample(of: pod)
    }

    public func policies(protecting workload: Workload) -> [ResiliencePolicy] {
        caches.policies(protecting: workload.key).compactMap(caches.policies.store.get)
    }
}
