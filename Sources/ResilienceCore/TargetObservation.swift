import KubernetesAPI

/// Everything observed about one target Deployment at one moment: the objects from the cache and the
/// samples from probes and Prometheus.
public struct TargetObservation: Sendable {
    public var deployment: Deployment
    /// The ReplicaSets the Deployment controls.
    public var replicaSets: [ReplicaSet]
    /// The pods those ReplicaSets control.
    public var pods: [Pod]
    /// The budgets in the Deployment's namespace; the planner picks those that select a pod.
    public var disruptionBudgets: [PodDisruptionBudget]
    /// The autoscaler that sets the Deployment's replicas, if one does.
    public var autoscaler: HorizontalPodAutoscaler?
    /// The latest active probe result of each pod, by pod name.
    public var probes: [String: ProbeSample]
    /// The latest value of each metric rule, by rule name, then pod name.
    public var metrics: [String: [String: MetricSample]]
    /// Metric rules whose query failed, with the error: every pod's sample is unknown.
    public var metricErrors: [String: String]

    public init(
        deployment: Deployment, replicaSets: [ReplicaSet], pods: [Pod],
        disruptionBudgets: [PodDisruptionBudget] = [], autoscaler: HorizontalPodAutoscaler? = nil,
        probes: [String: ProbeSample] = [:], metrics: [String: [String: MetricSample]] = [:], metricErrors: [String: String] = [:]
    ) {
        self.deployment = deployment
        self.replicaSets = replicaSets
        self.pods = pods
        self.disruptionBudgets = disruptionBudgets
        self.autoscaler = autoscaler
        self.probes = probes
        self.metrics = metrics
        self.metricErrors = metricErrors
    }

    /// The Deployment's name.
    public var name: String { deployment.metadata.name ?? "" }
}
