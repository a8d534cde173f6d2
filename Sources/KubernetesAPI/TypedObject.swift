/// Encodes an object with its `apiVersion` and `kind`, which server-side apply requires in the body.
public struct TypedObject<Resource: KubernetesResource>: Encodable {
    public var object: Resource

    public init(_ object: Resource) {
        self.object = object
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion, kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Resource.apiVersion, forKey: .apiVersion)
        try container.encode(Resource.kind, forKey: .kind)
        try object.encode(to: encoder)
    }
}
