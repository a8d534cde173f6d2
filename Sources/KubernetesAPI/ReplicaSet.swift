/// A ReplicaSet (`apps/v1/ReplicaSet`), as far as the operator reads it: its metadata, which carry its
/// revision, its pods' template hash and its Deployment. Its spec and status are not decoded: nothing
/// reads them, so a ReplicaSet's status write (its ready count moving as pods come and go) is no change
/// to the operator.
public struct ReplicaSet: KubernetesResource, Equatable {
    public static let apiVersion = "apps/v1"
    public static let kind = "ReplicaSet"
    public static let plural = "replicasets"
    public static let isNamespaced = true

    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta) {
        self.metadata = metadata
    }

    /// The Deployment revision this ReplicaSet holds (`deployment.kubernetes.io/revision`).
    public var revision: Int? {
        metadata.annotations?["deployment.kubernetes.io/revision"].flatMap { Int($0) }
    }

    /// The hash its pods carry in their `pod-template-hash` label.
    public var templateHash: String? {
        metadata.labels?["pod-template-hash"]
    }
}
