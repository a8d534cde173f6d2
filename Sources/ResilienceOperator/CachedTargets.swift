import KubernetesAPI
import OperatorRuntime
import ResilienceCore

/// The watch caches as a ``TargetSource``: a Deployment by key, its ReplicaSets and their pods through
/// the stores' owner index, so that reading one target never touches the rest of its namespace.
public struct CachedTargets: TargetSource {
    let caches: OperatorCaches
    let prober: Prober?

    public func deployment(_ key: ObjectKey) -> Deployment? {
        caches.deployments.store.get(key)
    }

    public func deployments(in namespace: String, matching selector: LabelSelector) -> [Deployment] {
        caches.deployments.store.list(namespace: namespace, selector: selector)
    }

    public func replicaSets(controlledBy deployment: Deployment) -> [ReplicaSet] {
        guard let uid = deployment.metadata.uid else { return [] }
        return caches.replicaSets.store.owned(by: uid).filter { $0.metadata.controllerReference?.uid == uid }
    }

    public func pods(controlledBy replicaSet: ReplicaSet) -> [Pod] {
        guard let uid = replicaSet.metadata.uid else { return [] }
        return caches.pods.store.owned(by: uid).filter { $0.metadata.controllerReference?.uid == uid }
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

    public func policies(protecting deployment: Deployment) -> [ResiliencePolicy] {
        guard let key = ObjectKey(deployment.metadata) else { return [] }
        return caches.policies(protecting: key).compactMap(caches.policies.store.get)
    }
}
