import KubernetesAPI
import ResilienceCore

/// Where a policy's targets are read from: the watch caches through their indexes in the running
/// operator (``OperatorCaches``), a one-time list of the namespace in `plan` (``NamespaceObjects``).
///
/// Every question is about one target or its own objects, so that reading a target costs in proportion
/// to that target, never to its namespace.
public protocol TargetSource: Sendable {
    func deployment(_ key: ObjectKey) -> Deployment?
    func deployments(in namespace: String, matching selector: LabelSelector) -> [Deployment]
    func statefulSet(_ key: ObjectKey) -> StatefulSet?
    func statefulSets(in namespace: String, matching selector: LabelSelector) -> [StatefulSet]
    /// The ReplicaSets whose controller is `deployment`.
    func replicaSets(controlledBy deployment: Deployment) -> [ReplicaSet]
    /// The ControllerRevisions whose controller is `statefulSet`.
    func controllerRevisions(controlledBy statefulSet: StatefulSet) -> [ControllerRevision]
    /// The pods whose controller has the UID `owner` (a ReplicaSet, or a StatefulSet).
    func pods(controlledBy owner: String) -> [Pod]
    func disruptionBudgets(in namespace: String) -> [PodDisruptionBudget]
    func autoscalers(in namespace: String) -> [HorizontalPodAutoscaler]
    /// The operator's latest probe of `pod`.
    func probe(of pod: Pod) -> ProbeSample?
    /// Every policy that names or selects `workload`, for finding overlaps (``PolicyOverlap``).
    func policies(protecting workload: Workload) -> [ResiliencePolicy]
}
