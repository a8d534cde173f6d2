import KubernetesAPI
import ResilienceCore

/// Finds what a policy protects: its Deployments (by name or selector), and for each the ReplicaSets it
/// controls, their pods, the namespace's PodDisruptionBudgets and the autoscaler that scales it.
public enum TargetResolver {
    /// The policy's targets, or why it has none. `metrics` and `metricErrors` are the policy's latest
    /// query results (by rule, then pod). With `observing`, only the targets it names (`namespace/name`)
    /// are observed: their ReplicaSets, pods and samples are read, the other targets' are not.
    public static func targets(
        of policy: ResiliencePolicy, in source: some TargetSource,
        metrics: [String: [String: MetricSample]] = [:], metricErrors: [String: String] = [:], observing: Set<String>? = nil
    ) -> Result<[TargetObservation], Missing> {
        let namespace = policy.metadata.namespace ?? ""
        let deployments: [Deployment]
        if let reference = policy.spec.targetRef {
            deployments = source.deployment(ObjectKey(namespace: namespace, name: reference.name)).map { [$0] } ?? []
            guard !deployments.isEmpty else { return .failure(Missing(reason: "Deployment \(reference.name) does not exist in \(namespace)")) }
        } else if let selector = policy.spec.selector {
            deployments = source.deployments(in: namespace, matching: selector)
            guard !deployments.isEmpty else { return .failure(Missing(reason: "no Deployment in \(namespace) matches the selector")) }
        } else {
            return .failure(Missing(reason: "the policy names no target"))
        }
        let budgets = source.disruptionBudgets(in: namespace)
        let autoscalers = source.autoscalers(in: namespace)
        let observed = observing.map { names in deployments.filter { names.contains("\(namespace)/\($0.metadata.name ?? "")") } } ?? deployments
        return .success(observed.map { deployment in
            let replicaSets = source.replicaSets(controlledBy: deployment)
            let pods = replicaSets.flatMap { source.pods(controlledBy: $0) }
            var probes: [String: ProbeSample] = [:]
            for pod in pods { if let name = pod.metadata.name, let sample = source.probe(of: pod) { probes[name] = sample } }
            return TargetObservation(
                deployment: deployment, replicaSets: replicaSets, pods: pods, disruptionBudgets: budgets,
                autoscaler: autoscalers.first { $0.scales(deployment: deployment.metadata.name ?? "") },
                probes: probes, metrics: metrics, metricErrors: metricErrors)
        })
    }

    /// Why a policy has no target now; it acts as soon as one appears.
    public struct Missing: Error, Sendable, Equatable {
        public var reason: String
    }
}
