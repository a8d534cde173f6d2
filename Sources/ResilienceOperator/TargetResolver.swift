import KubernetesAPI
import ResilienceCore

/// Finds what a policy protects: its Deployments (by name or selector), and for each the ReplicaSets it
/// controls, their pods, the namespace's PodDisruptionBudgets and the autoscaler that scales it.
public enum TargetResolver {
    /// The policy's targets, or why it has none.
    public static func targets(of policy: ResiliencePolicy, in objects: NamespaceObjects) -> Result<[TargetObservation], Missing> {
        let deployments: [Deployment]
        if let reference = policy.spec.targetRef {
            deployments = objects.deployments.filter { $0.metadata.name == reference.name }
            guard !deployments.isEmpty else { return .failure(Missing(reason: "Deployment \(reference.name) does not exist in \(policy.metadata.namespace ?? "")")) }
        } else if let selector = policy.spec.selector {
            deployments = objects.deployments.filter { selector.matches($0.metadata.labels) }
            guard !deployments.isEmpty else { return .failure(Missing(reason: "no Deployment in \(policy.metadata.namespace ?? "") matches the selector")) }
        } else {
            return .failure(Missing(reason: "the policy names no target"))
        }
        return .success(deployments.map { deployment in
            let uid = deployment.metadata.uid
            let replicaSets = objects.replicaSets.filter { $0.metadata.controllerReference?.uid == uid }
            let owners = Set(replicaSets.compactMap(\.metadata.uid))
            let pods = objects.pods.filter { $0.metadata.controllerReference.map { owners.contains($0.uid) } ?? false }
            return TargetObservation(
                deployment: deployment, replicaSets: replicaSets, pods: pods, disruptionBudgets: objects.disruptionBudgets,
                autoscaler: objects.autoscalers.first { $0.scales(deployment: deployment.metadata.name ?? "") },
                probes: objects.probes, metrics: objects.metrics, metricErrors: objects.metricErrors)
        })
    }

    /// Why a policy has no target now; it acts as soon as one appears.
    public struct Missing: Error, Sendable, Equatable {
        public var reason: String
    }
}
