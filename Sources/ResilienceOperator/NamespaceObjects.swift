#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import ResilienceCore

/// The objects of one namespace that its policies are planned against.
public struct NamespaceObjects: Sendable {
    public var deployments: [Deployment]
    public var replicaSets: [ReplicaSet]
    public var pods: [Pod]
    public var disruptionBudgets: [PodDisruptionBudget]
    public var autoscalers: [HorizontalPodAutoscaler]
    /// The operator's latest probe of each pod, by pod name.
    public var probes: [String: ProbeSample] = [:]
    /// The policy's metric rules' latest values (by rule, then pod), and the rules whose query failed.
    public var metrics: [String: [String: MetricSample]] = [:]
    public var metricErrors: [String: String] = [:]

    public init(
        deployments: [Deployment], replicaSets: [ReplicaSet], pods: [Pod],
        disruptionBudgets: [PodDisruptionBudget], autoscalers: [HorizontalPodAutoscaler]
    ) {
        self.deployments = deployments
        self.replicaSets = replicaSets
        self.pods = pods
        self.disruptionBudgets = disruptionBudgets
        self.autoscalers = autoscalers
    }

    /// Reads them once from the API (for `plan`; the running operator reads its watch caches instead).
    /// PodDisruptionBudgets come from the policy version the server serves: policy/v1, or v1beta1 before
    /// Kubernetes 1.21.
    public static func read(namespace: String, policyVersion: String, client: KubernetesClient) async throws -> NamespaceObjects {
        async let deployments = client.list(Deployment.self, namespace: namespace).items
        async let replicaSets = client.list(ReplicaSet.self, namespace: namespace).items
        async let pods = client.list(Pod.self, namespace: namespace).items
        async let autoscalers = client.list(HorizontalPodAutoscaler.self, namespace: namespace).items
        let budgets = try KubernetesJSON.decoder().decode(
            ResourceList<PodDisruptionBudget>.self,
            from: Data(try await client.send(.GET, "/apis/\(policyVersion)/namespaces/\(namespace)/poddisruptionbudgets"))).items
        return try await NamespaceObjects(
            deployments: deployments, replicaSets: replicaSets, pods: pods, disruptionBudgets: budgets, autoscalers: autoscalers)
    }
}
