import KubernetesAPI

/// Everything observed about one target (a Deployment or a StatefulSet) at one moment: the objects from
/// the cache and the samples from probes and Prometheus.
public struct TargetObservation: Sendable {
    public var workload: Workload
    /// The ReplicaSets a Deployment controls (none for a StatefulSet).
    public var replicaSets: [ReplicaSet]
    /// The ControllerRevisions a StatefulSet controls (none for a Deployment).
    public var controllerRevisions: [ControllerRevision]
    /// The pods the workload controls: through its ReplicaSets for a Deployment, directly for a StatefulSet.
    public var pods: [Pod]
    /// The budgets in the workload's namespace; the planner picks those that select a pod.
    public var disruptionBudgets: [PodDisruptionBudget]
    /// The autoscaler that sets the workload's replicas, if one does.
    public var autoscaler: HorizontalPodAutoscaler?
    /// The latest active probe result of each pod, by pod name.
    public var probes: [String: ProbeSample]
    /// The latest value of each metric rule, by rule name, then pod name.
    public var metrics: [String: [String: MetricSample]]
    /// Metric rules whose query failed, with the error: every pod's sample is unknown.
    public var metricErrors: [String: String]

    public init(
        workload: Workload, replicaSets: [ReplicaSet] = [], controllerRevisions: [ControllerRevision] = [], pods: [Pod],
        disruptionBudgets: [PodDisruptionBudget] = [], autoscaler: HorizontalPodAutoscaler? = nil,
        probes: [String: ProbeSample] = [:], metrics: [String: [String: MetricSample]] = [:], metricErrors: [String: String] = [:]
    ) {
        self.workload = workload
        self.replicaSets = replicaSets
        self.controllerRevisions = controllerRevisions
        self.pods = pods
        self.disruptionBudgets = disruptionBudgets
        self.autoscaler = autoscaler
        self.probes = probes
        self.metrics = metrics
        self.metricErrors = metricErrors
    }

    /// A Deployment target.
    public init(
        deployment: Deployment, replicaSets: [ReplicaSet], pods: [Pod],
        disruptionBudgets: [PodDisruptionBudget] = [], autoscaler: HorizontalPodAutoscaler? = nil,
        probes: [String: ProbeSample] = [:], metrics: [String: [String: MetricSample]] = [:], metricErrors: [String: String] = [:]
    ) {
        self.init(
            workload: .deployment(deployment), replicaSets: replicaSets, pods: pods, disruptionBudgets: disruptionBudgets,
            autoscaler: autoscaler, probes: probes, metrics: metrics, metricErrors: metricErrors)
    }

    /// The workload's name.
    public var name: String { workload.metadata.name ?? "" }

    /// Whether the target is a StatefulSet, whose pods are paced for quorum.
    public var isStatefulSet: Bool { workload.kind == .statefulSet }
}
