import KubernetesAPI
import ResilienceCore

/// Where a policy's targets are read from: the watch caches through their indexes in the running
/// operator (``OperatorCaches``), a one-time list of the namespace in `plan` (``NamespaceObjects``).
///
/// Every question is about one Deployment or its own objects, so that reading a target costs in
/// proportion to that target, never to its namespace.
public protocol TargetSource: Sendable {
    func deployment(_ key: ObjectKey) -> Deployment?
    func deployments(in namespace: String, matching selector: LabelSelector) -> [Deployment]
    /// The ReplicaSets whose controller is `deployment`.
    func replicaSets(controlledBy deployment: Deployment) -> [ReplicaSet]
    /// The pods whose controller is `replicaSet`.
    func pods(controlledBy replicaSet: ReplicaSet) -> [Pod]
    func disruptionBudgets(in namespace: String) -> [PodDisruptionBudget]
    func autoscalers(in namespace: String) -> [HorizontalPodAutoscaler]
    /// The operator's latest probe of `pod`.
    func probe(of pod: Pod) -> ProbeSample?
    /// Every policy that names or selects `deployment`, for finding overlaps (``PolicyOverlap``).
    func policies(protecting deployment: Deployment) -> [ResiliencePolicy]
}
