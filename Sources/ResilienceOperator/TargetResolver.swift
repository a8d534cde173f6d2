import KubernetesAPI
import ResilienceCore

/// Finds what a policy protects: its Deployments and StatefulSets (by kind and name, or selector), and for
/// each the revisions it controls (ReplicaSets, ControllerRevisions), its pods, the namespace's
/// PodDisruptionBudgets and the autoscaler that scales it.
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
        let workloads: [Workload]
        if let reference = policy.spec.targetRef {
            let key = ObjectKey(namespace: namespace, name: reference.name)
            switch WorkloadKind(rawValue: reference.kind) {
            case .deployment: workloads = source.deployment(key).map { [.deployment($0)] } ?? []
            case .statefulSet: workloads = source.statefulSet(key).map { [.statefulSet($0)] } ?? []
            case nil: return .failure(Missing(reason: "spec.targetRef.kind '\(reference.kind)' is not a kind the operator protects"))
            }
            guard !workloads.isEmpty else { return .failure(Missing(reason: "\(reference.kind) \(reference.name) does not exist in \(namespace)")) }
        } else if let selector = policy.spec.selector {
            workloads = source.deployments(in: namespace, matching: selector).map { .deployment($0) }
                + source.statefulSets(in: namespace, matching: selector).map { .statefulSet($0) }
            guard !workloads.isEmpty else { return .failure(Missing(reason: "no Deployment or StatefulSet in \(namespace) matches the selector")) }
        } else {
            return .failure(Missing(reason: "the policy names no target"))
        }
        var owned: [Workload] = []
        var overlaps: [String] = []
        for workload in workloads {
            let protecting = source.policies(protecting: workload)
            guard protecting.contains(where: { $0.metadata.uid != policy.metadata.uid }),
                  let owner = PolicyOverlap.owner(among: protecting + (protecting.contains { $0.metadata.uid == policy.metadata.uid } ? [] : [policy])),
                  owner.metadata.uid != policy.metadata.uid else {
                owned.append(workload)
                continue
            }
            let kind = workload.kind.rawValue
            overlaps.append("\(kind) \(workload.metadata.name ?? "") is protected by the older policy \(owner.metadata.name ?? ""): two policies on one \(kind) would each keep their own maxInFlight, minHealthy and budget, so this one leaves it alone")
        }
        let budgets = source.disruptionBudgets(in: namespace)
        let autoscalers = source.autoscalers(in: namespace)
        let observed = observing.map { names in owned.filter { names.contains($0.key.description) } } ?? owned
        let keys = Set(owned.map(\.key.description))
        return .success(Resolved(overlaps: overlaps, owned: keys, targets: observed.map { workload in
            var replicaSets: [ReplicaSet] = []
            var revisions: [ControllerRevision] = []
            var pods: [Pod]
            switch workload {
            case .deployment(let deployment):
                replicaSets = source.replicaSets(controlledBy: deployment)
                pods = replicaSets.flatMap { source.pods(controlledBy: $0.metadata.uid ?? "") }
            case .statefulSet(let statefulSet):
                revisions = source.controllerRevisions(controlledBy: statefulSet)
                pods = statefulSet.metadata.uid.map { source.pods(controlledBy: $0) } ?? []
            }
            var probes: [String: ProbeSample] = [:]
            for pod in pods { if let name = pod.metadata.name, let sample = source.probe(of: pod) { probes[name] = sample } }
            let name = workload.metadata.name ?? ""
            return TargetObservation(
                workload: workload, replicaSets: replicaSets, controllerRevisions: revisions, pods: pods, disruptionBudgets: budgets,
                autoscaler: autoscalers.first { $0.scales(kind: workload.kind.rawValue, name: name) },
                probes: probes, metrics: metrics, metricErrors: metricErrors)
        }))
    }

    /// The policy's targets, and the ones it leaves to an older policy.
    public struct Resolved: Sendable {
        /// Why each target that an older policy protects too is not a target, naming that policy.
        public var overlaps: [String]
        /// Every target the policy protects (``WorkloadKey``), observed now or not.
        public var owned: Set<String>
        /// The targets observed now.
        public var targets: [TargetObservation]
    }

    /// Why a policy has no target now; it acts as soon as one appears.
    public struct Missing: Error, Sendable, Equatable {
        public var reason: String
    }
}
