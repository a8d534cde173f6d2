/// Discovery's answer at `/apis` (`metav1.APIGroupList`): the groups and versions the server serves.
public struct APIGroupList: Codable, Sendable, Equatable {
    public var groups: [APIGroup]

    /// One API group and its served versions.
    public struct APIGroup: Codable, Sendable, Equatable {
        public var name: String
        public var versions: [GroupVersion]
        public var preferredVersion: GroupVersion?
    }

    /// A `group/version` pair.
    public struct GroupVersion: Codable, Sendable, Equatable {
        public var groupVersion: String
        public var version: String
    }
}

/// Discovery's answer at `/api` (`metav1.APIVersions`): the core group's versions.
public struct APIVersions: Codable, Sendable, Equatable {
    public var versions: [String]
}
