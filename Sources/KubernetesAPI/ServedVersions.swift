/// The group versions an API server serves, from discovery, so callers pick what the server speaks:
/// `policy/v1` or `policy/v1beta1`, `discovery.k8s.io/v1` or `v1beta1`.
public struct ServedVersions: Sendable, Equatable {
    /// `v1`, `apps/v1`, `policy/v1beta1`, ...
    public var groupVersions: Set<String>

    public init(groupVersions: Set<String>) {
        self.groupVersions = groupVersions
    }

    public init(core: APIVersions, groups: APIGroupList) {
        var all = Set(core.versions)
        for group in groups.groups {
            for version in group.versions { all.insert(version.groupVersion) }
        }
        self.init(groupVersions: all)
    }

    public func serves(_ groupVersion: String) -> Bool {
        groupVersions.contains(groupVersion)
    }

    /// The first of `candidates` (most preferred first) that the server serves.
    public func first(of candidates: [String]) -> String? {
        candidates.first(where: serves)
    }
}
