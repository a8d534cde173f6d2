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
    public var statefulSets: [StatefulSet]
    public var controllerRevisions: [ControllerRevision]
    public var pods: [Pod]
    public var disruptionBudgets: [PodDisruptionBudget]
    public var autoscalers: [HorizontalPodAutoscaler]
    /// The namespace's policies, for finding overlaps.
    public var policies: [ResiliencePolicy]

    public init(
        deployments: [Deployment], replicaSets: [ReplicaSet], statefulSets: [StatefulSet] = [], controllerRevisions: [ControllerRevision] = [],
        pods: [Pod], disruptionBudgets: [PodDisruptionBudget], autoscalers: [HorizontalPodAutoscaler], policies: [ResiliencePolicy] = []
    ) {
        self.deployments = deployments
        self.replicaSets = replicaSets
        self.statefulSets = statefulSets
        self.controllerRevisions = controllerRevisions
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
        async let statefulSets = client.list(StatefulSet.self, namespace: namespace).items
        async let controllerRevisions = client.list(ControllerRevision.self, namespace: namespace).items
        async let pods = client.list(Pod.self, namespace: namespace).items
        async let autoscalers = client.list(HorizontalPodAutoscaler.self, namespace: namespace).items
        async let policies = client.list(ResiliencePolicy.self, namespace: namespace).items
        let budgets = try KubernetesJSON.decoder().decode(
            ResourceList<PodDisruptionBudget>.self,
            from: Data(try await client.send(.GET, "/apis/\(policyVersion)/namespaces/\(namespace)/poddisruptionbudgets"))).items
        return try await NamespaceObjects(
            deployments: deployments, replicaSets: replicaSets, statefulSets: statefulSets, controllerRevisions: controllerRevisions,
            pods: pods, disruptionBudgets: budgets, autoscalers: autoscalers, policies: policies)
    }

    public func deployment(_ key: ObjectKey) -> Deployment? {
        deployments.first { $0.metadata.namespace == key.namespace && $0.metadata.name == key.name }
    }

    public func deployments(in namespace: String, matching selector: LabelSelector) -> [Deployment] {
        deployments.filter { $0.metadata.namespace == namespace && selector.matches($0.metadata.labels) }
    }

    public func statefulSet(_ key: ObjectKey) -> StatefulSet? {
        statefulSets.first { $0.metadata.namespace == key.namespace && $0.metadata.name == key.name }
    }

    public func statefulSets(in namespace: String, matching selector: LabelSelector) -> [StatefulSet] {
        statefulSets.filter { $0.metadata.namespace == namespace && selector.matches($0.metadata.labels) }
    }

    public func replicaSets(controlledBy deployment: Deployment) -> [ReplicaSet] {
        replicaSets.filter { $0.metadata.controllerReference?.uid == deployment.metadata.uid }
    }

    public func controllerRevisions(controlledBy statefulSet: StatefulSet) -> [ControllerRevision] {
        controllerRevisions.filter { $0.metadata.controllerReference?.uid == statefulSet.metadata.uid }
    }

    public func pods(controlledBy owner: String) -> [Pod] {
        pods.filter { $0.metadata.controllerReference?.uid == owner }
    }

    public func disruptionBudgets(in namespace: String) -> [PodDisruptionBudget] {
        disruptionBudgets.filter { $0.metadata.namespace == namespace }
    }

    public func autoscalers(in namespace: String) -> [HorizontalPodAutoscaler] {
        autoscalers.filter { $0.metadata.namespace == namespace }
    }

    /// `plan` runs no probes: every probe result is unknown.
    public func probe(of pod: Pod) -> ProbeSample? { nil }

    public func policies(protecting workload: Workload) -> [ResiliencePolicy] {
        let metadata = workload.metadata
        return policies.filter { policy in
            guard policy.metadata.namespace == metadata.namespace else { return false }
            if let reference = policy.spec.targetRef { return reference.kind == workload.kind.rawValue && reference.name == metadata.name }
            return policy.spec.selector?.matches(metadata.labels) ?? false
        }
    }
}
