/// A Kubernetes object kind that the operator reads or writes.
///
/// Conforming types are projections: they decode only the fields the operator needs, and ignore the rest.
/// The static requirements give everything needed to build the resource's REST path.
public protocol KubernetesResource: Codable, Sendable {
    /// The group and version, as in `apiVersion`: `v1` for the core group, `apps/v1` otherwise.
    static var apiVersion: String { get }
    /// The kind, as in `kind`: `Pod`.
    static var kind: String { get }
    /// The lowercase plural used in REST paths: `pods`.
    static var plural: String { get }
    /// Whether objects of this kind live in a namespace.
    static var isNamespaced: Bool { get }

    /// The object's metadata.
    var metadata: ObjectMeta { get set }
}

extension KubernetesResource {
    /// The REST path of the collection, or of one object when `name` is given.
    ///
    /// A namespaced kind with `namespace` nil addresses the collection across all namespaces.
    public static func path(namespace: String? = nil, name: String? = nil) -> String {
        var path = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        if isNamespaced, let namespace {
            path += "/namespaces/\(namespace)"
        }
        path += "/\(plural)"
        if let name {
            path += "/\(name)"
        }
        return path
    }
}
