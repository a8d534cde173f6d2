/// A reference to an object, as Events name the object they are about (`v1.ObjectReference`).
public struct ObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var resourceVersion: String?
    public var fieldPath: String?

    public init(apiVersion: String? = nil, kind: String? = nil, namespace: String? = nil, name: String? = nil, uid: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }

    /// A reference to `object`.
    public init<Resource: KubernetesResource>(_ object: Resource) {
        self.init(
            apiVersion: Resource.apiVersion, kind: Resource.kind, namespace: object.metadata.namespace,
            name: object.metadata.name, uid: object.metadata.uid)
    }
}
