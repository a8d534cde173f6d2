/// A PodDisruptionBudget as `policy/v1beta1` serves it (Kubernetes before 1.21, where policy/v1 is
/// missing); the shape is that of ``PodDisruptionBudget``.
public struct LegacyPodDisruptionBudget: KubernetesResource, Equatable {
    public static let apiVersion = "policy/v1beta1"
    public static let kind = "PodDisruptionBudget"
    public static let plural = "poddisruptionbudgets"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: PodDisruptionBudget.Spec?
    public var status: PodDisruptionBudget.Status?

    /// The same budget, as the planner reads budgets.
    public var budget: PodDisruptionBudget {
        PodDisruptionBudget(metadata: metadata, spec: spec, status: status)
    }
}
