import KubernetesClient

/// Runs `body` with the client and shuts the client down afterwards, whatever happens.
@discardableResult
public func withClient<T: Sendable>(_ client: KubernetesClient, _ body: (KubernetesClient) async throws -> T) async throws -> T {
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try await client.shutdown()
        throw error
    }
}
