/// The body of a delete or an eviction (`metav1.DeleteOptions`).
public struct DeleteOptions: Codable, Sendable, Equatable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "DeleteOptions"
    /// Fails the delete with 409 unless the object still has this UID and/or resourceVersion.
    public var preconditions: Preconditions?
    /// `Orphan`, `Background` or `Foreground`.
    public var propagationPolicy: String?
    public var gracePeriodSeconds: Int?
    public var dryRun: [String]?

    public init(preconditions: Preconditions? = nil, propagationPolicy: String? = nil, gracePeriodSeconds: Int? = nil, dryRun: [String]? = nil) {
        self.preconditions = preconditions
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.dryRun = dryRun
    }

    /// What must still hold for the delete to go ahead.
    public struct Preconditions: Codable, Sendable, Equatable {
        public var uid: String?
        public var resourceVersion: String?

        public init(uid: String? = nil, resourceVersion: String? = nil) {
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }
}
