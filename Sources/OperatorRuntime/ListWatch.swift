import KubernetesAPI

/// What a ``Watcher`` needs from the API: list a page, and watch from a resourceVersion.
///
/// ``KubernetesListWatch`` provides it over the client; unit tests provide scripted answers.
public protocol ListWatch<Resource>: Sendable {
    associatedtype Resource: KubernetesResource
    associatedtype Events: AsyncSequence<WatchEvent<Resource>, any Error>

    /// One page of the list.
    func list(_ options: ListOptions) async throws -> ResourceList<Resource>
    /// The events after `resourceVersion`, ending when the server closes the stream.
    func watch(resourceVersion: String) -> Events
}
