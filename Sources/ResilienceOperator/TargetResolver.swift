import KubernetesAPI
import ResilienceCore

/// Finds what a policy protects: its Deployments (by name or selector), and for each the ReplicaSets it
/// controls, their pods, the namespace's PodDisruptionBudgets and the autoscaler that scales it.
public enum TargetResolver {
    /// The policy's targets, or why it has none. `metrics` and `metricErrors` are the policy's latest
    /// query results (by rule, then pod). With `observing`, only the targets it names (`namespace/name`)
    /// are observed: their ReplicaSets, pods and samples are read, the other targets' are not.
    ///
    /// A Deployment that an older policy protects too is left to it (``PolicyOverlap``): it is no target
    /// of this policy, and ``Resolved/overlaps`` says why.
    public static func targets(
        of policy: ResiliencePolicy, in source: some TargetSource,
        metrics: [String: [String: MetricSample]] = [:], metricErrors: [String: String] = [:], observing: Set<String>? = nil
    ) -> Result<Resolved, Missing> {
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
        var owned: [Deployment] = []
        var overlaps: [String] = []
        for deployment in deployments {
            let protecting = source.policies(protecting: deployment)
            guard protecting.contains(where: { $0.metadata.uid != policy.metadata.uid }),
                  let owner = PolicyOverlap.owner(among: protecting + (protecting.contains { $0.metadata.uid == policy.metadata.uid } ? [] : [policy])),
                  owner.metadata.uid != policy.metadata.uid else {
                owned.append(deployment)
                continue
            }
            overlaps.append("Deployment \(deployment.metadata.name ?? "") is protected by the older policy \(owner.metadata.name ?? ""): two policies on one Deployment would each keep their own maxInFlight, minHealthy and budget, so this one leaves it alone")
        }
        let budgets = source.disruptionBudgets(in: namespace)
        let autoscalers = source.autoscalers(in: namespace)
        let observed = observing.map { names in owned.filter { names.contains("\(namespace)/\($0.metadata.name ?? "")") } } ?? owned
        let keys = Set(owned.map { "\(namespace)/\($0.metadata.name ?? "")" })
        return .success(Resolved(overlaps: overlaps, owned: keys, targets: observed.map { deployment in
            let replicaSets = source.replicaSets(controlledBy: deployment)
            let pods = replicaSets.flatMap { source.pods(controlledBy: $0) }
            var probes: [String: ProbeSample] = [:]
            for pod in pods { if let name = pod.metadata.name, let sample = source.probe(of: pod) { probes[name] = sample } }
            return TargetObservation(
                deployment: deployment, replicaSets: replicaSets, pods: pods, disruptionBudgets: budgets,
                autoscaler: autoscalers.first { $0.scales(deployment: deployment.metadata.name ?? "") },
                probes: probes, metrics: metrics, metricErrors: metricErrors)
        }))
    }

    /// The policy's targets, and the Deployments it leaves to an older policy.
    public struct Resolved: Sendable {
        /// Why each Deployment that an older policy protects too is not a target, naming that policy.
        public var overlaps: [String]
        /// Every Deployment the policy protects (`namespace/name`), observed now or not.
        public var owned: Set<String>
        /// The targets observed now.
        public var targets: [TargetObservation]
    }

    /// Why a policy has no target now; it acts as soon as one appears.
    public struct Missing: Error, Sendable, Equatable {
        public var reason: String
    }
}
