import KubernetesAPI
import KubernetesClient

/// Lists and watches one kind through the client, in one namespace or all, optionally filtered.
public struct KubernetesListWatch<Resource: KubernetesResource>: ListWatch {
    public let client: KubernetesClient
    public var namespace: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// The server ends each watch after this; the watcher then watches again from where it was. A minute
    /// (a request a minute per kind) keeps it under the client's idle read timeout, which notices a
    /// half-open watch.
    public var watchTimeoutSeconds: Int

    public init(
        _ type: Resource.Type,
        client: KubernetesClient,
        namespace: String? = nil,
        labelSelector: String? = nil,
        fieldSelector: String? = nil,
        watchTimeoutSeconds: Int = 60
    ) {
        self.client = client
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.watchTimeoutSeconds = watchTimeoutSeconds
    }

    public func list(_ options: ListOptions) async throws -> ResourceList<Resource> {
        var options = options
        options.labelSelector = labelSelector
        options.fieldSelector = fieldSelector
        return try await client.list(Resource.self, namespace: namespace, options: options)
    }

    public func watch(resourceVersion: String) -> WatchStream<Resource> {
        let options = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: resourceVersion)
        return client.watch(Resource.self, namespace: namespace, options: options, timeoutSeconds: watchTimeoutSeconds)
    }
}
