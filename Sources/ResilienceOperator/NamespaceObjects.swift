#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import ResilienceCore

/// The objects of one namespace, listed once, that `plan` plans its policies against.
public struct NamespaceObjects: TargetSource {
    public var deployments: [Deployment]
    public var replicaSets: [ReplicaSet]
    public var pods: [Pod]
    public var disruptionBudgets: [PodDisruptionBudget]
    public var autoscalers: [HorizontalPodAutoscaler]
    /// The namespace's policies, for finding overlaps.
    public var policies: [ResiliencePolicy]

    public init(
        deployments: [Deployment], replicaSets: [ReplicaSet], pods: [Pod],
        disruptionBudgets: [PodDisruptionBudget], autoscalers: [HorizontalPodAutoscaler], policies: [ResiliencePolicy] = []
    ) {
        self.deployments = deployments
        self.replicaSets = replicaSets
        self.pods = pods
        self.disruptionBudgets = disruptionBudgets
        self.autoscalers = autoscalers
        self.policies = policies
    }

    /// Reads them once from the API (for `plan`; the running operator reads its watch caches instead).
    /// PodDisruptionBudgets come from the policy version the server serves: policy/v1, or v1beta1 before
    /// Kubernetes 1.21.
    public static func read(namespace: String, policyVersion: String, client: KubernetesClient) async throws -> NamespaceObjects {
        async let deployments = client.list(Deployment.self, namespace: namespace).items
        async let replicaSets = client.list(ReplicaSet.self, namespace: namespace).items
        async let pods = client.list(Pod.self, namespace: namespace).items
        async let autoscalers = client.list(HorizontalPodAutoscaler.self, namespace: namespace).items
        async let policies = client.list(ResiliencePolicy.self, namespace: namespace).items
        let budgets = try KubernetesJSON.decoder().decode(
            ResourceList<PodDisruptionBudget>.self,
            from: Data(try await client.send(.GET, "/apis/\(policyVersion)/namespaces/\(namespace)/poddisruptionbudgets"))).items
        return try await NamespaceObjects(
            deployments: deployments, replicaSets: replicaSets, pods: pods, disruptionBudgets: budgets, autoscalers: autoscalers,
            policies: policies)
    }

    public func deployment(_ key: ObjectKey) -> Deployment? {
        deployments.first { $0.metadata.namespace == key.namespace && $0.metadata.name == key.name }
    }

    public func deployments(in namespace: String, matching selector: LabelSelector) -> [Deployment] {
        deployments.filter { $0.metadata.namespace == namespace && selector.matches($0.metadata.labels) }
    }

    public func replicaSets(controlledBy deployment: Deployment) -> [ReplicaSet] {
        replicaSets.filter { $0.metadata.controllerReference?.uid == deployment.metadata.uid }
    }

    public func pods(controlledBy replicaSet: ReplicaSet) -> [Pod] {
        pods.filter { $0.metadata.controllerReference?.uid == replicaSet.metadata.uid }
    }

    public func disruptionBudgets(in namespace: String) -> [PodDisruptionBudget] {
        disruptionBudgets.filter { $0.metadata.namespace == namespace }
    }

    public func autoscalers(in namespace: String) -> [HorizontalPodAutoscaler] {
        autoscalers.filter { $0.metadata.namespace == namespace }
    }

    /// `plan` runs no probes: every probe result is unknown.
    public func probe(of pod: Pod) -> ProbeSample? { nil }

    public func policies(protecting deployment: Deployment) -> [ResiliencePolicy] {
        policies.filter { policy in
            guard policy.metadata.namespace == deployment.metadata.namespace else { return false }
            if let reference = policy.spec.targetRef { return reference.name == deployment.metadata.name }
            return policy.spec.selector?.matches(deployment.metadata.labels) ?? false
        }
    }
}
