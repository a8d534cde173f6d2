#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import NIOHTTP1

/// Typed reads and writes on any ``KubernetesResource``.
extension KubernetesClient {
    /// Lists one page of `type`, in `namespace` or across all namespaces when it is nil.
    public func list<Resource: KubernetesResource>(
        _ type: Resource.Type,
        namespace: String? = nil,
        options: ListOptions = ListOptions()
    ) async throws -> ResourceList<Resource> {
        let path = Resource.path(namespace: namespace) + QueryString.encode(options.queryItems)
        return try decode(ResourceList<Resource>.self, from: await send(.GET, path), request: "GET \(path)")
    }

    /// Reads one object.
    public func get<Resource: KubernetesResource>(
        _ type: Resource.Type,
        name: String,
        namespace: String? = nil
    ) async throws -> Resource {
        let path = Resource.path(namespace: namespace, name: name)
        return try decode(Resource.self, from: await send(.GET, path), request: "GET \(path)")
    }

    /// Creates `object` in its metadata's namespace (or `namespace`), and returns what the server stored.
    public func create<Resource: KubernetesResource>(_ object: Resource, namespace: String? = nil) async throws -> Resource {
        let path = Resource.path(namespace: namespace ?? object.metadata.namespace)
        return try await write(.POST, path, object)
    }

    /// Replaces `object`. Its `metadata.resourceVersion` makes this a compare-and-swap: a stale one gets
    /// 409 Conflict (``KubernetesError/Reason/conflict``).
    ///
    /// - Important: a PUT replaces the whole object, so only use it with types that decode every field
    ///   (ConfigMap, Lease). A projection such as ``Pod`` would erase what it does not decode: patch those.
    public func update<Resource: KubernetesResource>(_ object: Resource) async throws -> Resource {
        try await write(.PUT, objectPath(object), object)
    }

    /// Replaces the status subresource of `object`, leaving its spec alone. The same caveat as
    /// ``update(_:)`` applies: patch the status of a projection instead.
    public func updateStatus<Resource: KubernetesResource>(_ object: Resource) async throws -> Resource {
        try await write(.PUT, objectPath(object) + "/status", object)
    }

    /// Patches one object, or its `subresource` (`status`, `scale`).
    ///
    /// - Parameters:
    ///   - fieldManager: required for server-side apply; recorded in managedFields otherwise.
    ///   - force: for server-side apply, take over fields that another manager owns.
    public func patch<Resource: KubernetesResource>(
        _ type: Resource.Type,
        name: String,
        namespace: String? = nil,
        _ patch: Patch,
        subresource: String? = nil,
        fieldManager: String? = nil,
        force: Bool = false
    ) async throws -> Resource {
        var path = Resource.path(namespace: namespace, name: name) + (subresource.map { "/\($0)" } ?? "")
        var query: [(name: String, value: String)] = []
        if let fieldManager { query.append(("fieldManager", fieldManager)) }
        if force { query.append(("force", "true")) }
        path += QueryString.encode(query)
        let answer = try await send(.PATCH, path, body: patch.body, contentType: patch.contentType)
        return try decode(Resource.self, from: answer, request: "PATCH \(path)")
    }

    /// Server-side apply: makes the fields of `object` that `fieldManager` sets the ones it owns.
    public func apply<Resource: KubernetesResource>(
        _ object: Resource,
        fieldManager: String,
        force: Bool = false,
        subresource: String? = nil
    ) async throws -> Resource {
        guard let name = object.metadata.name else { throw missingName(Resource.self) }
        let body = try KubernetesJSON.encoder().encode(TypedObject(object))
        return try await patch(
            Resource.self, name: name, namespace: object.metadata.namespace, .apply(Array(body)),
            subresource: subresource, fieldManager: fieldManager, force: force)
    }

    /// Deletes one object. Preconditions in `options` (UID, resourceVersion) turn a changed or
    /// recreated object into 409 Conflict instead of deleting it.
    public func delete<Resource: KubernetesResource>(
        _ type: Resource.Type,
        name: String,
        namespace: String? = nil,
        options: DeleteOptions = DeleteOptions()
    ) async throws {
        let path = Resource.path(namespace: namespace, name: name)
        try await send(.DELETE, path, body: Array(try KubernetesJSON.encoder().encode(options)))
    }

    /// Reads the scale subresource.
    public func scale<Resource: KubernetesResource>(_ type: Resource.Type, name: String, namespace: String) async throws -> Scale {
        let path = Resource.path(namespace: namespace, name: name) + "/scale"
        return try decode(Scale.self, from: await send(.GET, path), request: "GET \(path)")
    }

    /// Writes the scale subresource; `scale.metadata.resourceVersion` makes it a compare-and-swap.
    public func updateScale<Resource: KubernetesResource>(_ type: Resource.Type, _ scale: Scale) async throws -> Scale {
        guard let name = scale.metadata.name, let namespace = scale.metadata.namespace else { throw missingName(Resource.self) }
        let path = Resource.path(namespace: namespace, name: name) + "/scale"
        let answer = try await send(.PUT, path, body: Array(try KubernetesJSON.encoder().encode(scale)))
        return try decode(Scale.self, from: answer, request: "PUT \(path)")
    }

    /// Asks the API server to evict a pod. A PodDisruptionBudget that forbids it answers 429
    /// (``KubernetesError/Reason/tooManyRequests``) naming the budget.
    public func evict(_ eviction: Eviction) async throws {
        guard let name = eviction.metadata.name, let namespace = eviction.metadata.namespace else { throw missingName(Pod.self) }
        let path = Pod.path(namespace: namespace, name: name) + "/eviction"
        try await send(.POST, path, body: Array(try KubernetesJSON.encoder().encode(eviction)))
    }

    /// The group versions the server serves (`/api` and `/apis`).
    public func servedVersions() async throws -> ServedVersions {
        let core = try decode(APIVersions.self, from: await send(.GET, "/api"), request: "GET /api")
        let groups = try decode(APIGroupList.self, from: await send(.GET, "/apis"), request: "GET /apis")
        return ServedVersions(core: core, groups: groups)
    }

    private func write<Resource: KubernetesResource>(_ method: HTTPMethod, _ path: String, _ object: Resource) async throws -> Resource {
        let body = try KubernetesJSON.encoder().encode(TypedObject(object))
        return try decode(Resource.self, from: await send(method, path, body: Array(body)), request: "\(method.rawValue) \(path)")
    }

    private func objectPath<Resource: KubernetesResource>(_ object: Resource) throws -> String {
        guard let name = object.metadata.name else { throw missingName(Resource.self) }
        return Resource.path(namespace: object.metadata.namespace, name: name)
    }

    private func missingName<Resource>(_ type: Resource.Type) -> KubernetesError {
        KubernetesError(reason: .invalid, request: "\(type)", message: "the \(type) has no metadata.name (and namespace)")
    }
}
