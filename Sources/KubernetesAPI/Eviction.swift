/// A request to evict a pod (`policy/v1` or `policy/v1beta1 Eviction`), which the API server refuses
/// with 429 while a PodDisruptionBudget does not allow it.
public struct Eviction: Codable, Sendable, Equatable {
    public var apiVersion: String
    public var kind = "Eviction"
    public var metadata: ObjectMeta
    public var deleteOptions: DeleteOptions?

    /// - Parameter policyVersion: `policy/v1` or `policy/v1beta1`, as discovery reports served.
    public init(podName: String, namespace: String, policyVersion: String, deleteOptions: DeleteOptions? = nil) {
        self.apiVersion = policyVersion
        self.metadata = ObjectMeta(name: podName, namespace: namespace)
        self.deleteOptions = deleteOptions
    }
}
