/// A ControllerRevision (`apps/v1/ControllerRevision`): one revision of a StatefulSet's pod template.
/// Its pods carry its name in their `controller-revision-hash` label.
///
/// The projection leaves out `data` (the template, often the largest thing in the object): a rollback
/// reads it when it needs it.
public struct ControllerRevision: KubernetesResource, Equatable {
    public static let apiVersion = "apps/v1"
    public static let kind = "ControllerRevision"
    public static let plural = "controllerrevisions"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    /// The revision number, counting up from 1 with each new template.
    public var revision: Int64

    public init(metadata: ObjectMeta, revision: Int64) {
        self.metadata = metadata
        self.revision = revision
    }
}
