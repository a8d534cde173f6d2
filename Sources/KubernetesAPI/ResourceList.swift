/// One page of a list response (`PodList`, `NamespaceList`, ...).
public struct ResourceList<Item: KubernetesResource>: Codable, Sendable {
    public var metadata: ListMeta
    /// The API server writes `null` instead of `[]` for some empty lists; both decode as empty.
    public var items: [Item]

    private enum CodingKeys: String, CodingKey {
        case metadata, items
    }

    public init(metadata: ListMeta, items: [Item]) {
        self.metadata = metadata
        self.items = items
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decode(ListMeta.self, forKey: .metadata)
        items = try container.decodeIfPresent([Item].self, forKey: .items) ?? []
    }
}

/// The metadata of a list (`metav1.ListMeta`): where a watch starts and how paging continues.
public struct ListMeta: Codable, Sendable, Equatable {
    public var resourceVersion: String?
    /// The token for the next page; absent or empty on the last page.
    public var `continue`: String?
    public var remainingItemCount: Int64?

    public init(resourceVersion: String? = nil, continue: String? = nil, remainingItemCount: Int64? = nil) {
        self.resourceVersion = resourceVersion
        self.continue = `continue`
        self.remainingItemCount = remainingItemCount
    }
}
