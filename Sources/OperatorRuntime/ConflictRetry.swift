import KubernetesAPI
import KubernetesClient

/// Reads, changes and writes one object, reading it afresh and changing it again whenever the write
/// hits 409 Conflict (someone else wrote in between), as client-go's `RetryOnConflict` does.
///
/// - Parameters:
///   - attempts: how many writes to try before giving up with the last conflict.
///   - change: applied to the freshly read object each time; it must be safe to repeat.
/// - Returns: the object as written.
public func updateRetryingOnConflict<Resource: KubernetesResource>(
    _ type: Resource.Type,
    name: String,
    namespace: String?,
    client: KubernetesClient,
    attempts: Int = 5,
    change: (inout Resource) async throws -> Void
) async throws -> Resource {
    var attempt = 1
    while true {
        var object = try await client.get(Resource.self, name: name, namespace: namespace)
        try await change(&object)
        do {
            return try await client.update(object)
        } catch let error as KubernetesError where error.reason == .conflict && attempt < attempts {
            attempt += 1
        }
    }
}
