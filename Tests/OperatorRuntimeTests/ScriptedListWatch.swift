import Foundation
import KubernetesAPI
import KubernetesClient
import OperatorRuntime
import Synchronization
import TestSupport

/// A ListWatch that answers from a script and records what it was asked, to drive the watcher's state
/// machine through every fault without a server.
final class ScriptedListWatch: ListWatch, Sendable {
    typealias Resource = Pod

    private let lists: Mutex<[Result<ResourceList<Pod>, KubernetesError>]>
    private let watches: Mutex<[[Result<WatchEvent<Pod>, KubernetesError>]]>
    let calls = Mutex<[String]>([])

    init(lists: [Result<ResourceList<Pod>, KubernetesError>], watches: [[Result<WatchEvent<Pod>, KubernetesError>]]) {
        self.lists = Mutex(lists)
        self.watches = Mutex(watches)
    }

    func list(_ options: ListOptions) async throws -> ResourceList<Pod> {
        calls.withLock { $0.append("list continue=\(options.continue ?? "-") limit=\(options.limit ?? 0)") }
        let next = lists.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { throw KubernetesError(reason: .transport, request: "list", message: "script ran out of lists") }
        return try next.get()
    }

    func watch(resourceVersion: String) -> AsyncThrowingStream<WatchEvent<Pod>, any Error> {
        calls.withLock { $0.append("watch rv=\(resourceVersion)") }
        let script = watches.withLock { $0.isEmpty ? [] : $0.removeFirst() }
        return AsyncThrowingStream { continuation in
            for step in script {
                switch step {
                case .success(let event): continuation.yield(event)
                case .failure(let error):
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish()
        }
    }

    var recorded: [String] { calls.withLock { $0 } }
}

/// Pods as the real API server returned them (Tests/Fixtures/pod-list-pending.json), renamed and
/// re-versioned as a test needs.
enum Pods {
    static func captured() throws -> [Pod] {
        try KubernetesJSON.decoder().decode(ResourceList<Pod>.self, from: Fixture.data("pod-list-pending.json")).items
    }

    static func pod(_ name: String, resourceVersion: String, labels: [String: String]? = nil, namespace: String = "shop") throws -> Pod {
        var pod = try captured()[0]
        pod.metadata.name = name
        pod.metadata.namespace = namespace
        pod.metadata.resourceVersion = resourceVersion
        pod.metadata.uid = "uid-\(name)"
        if let labels { pod.metadata.labels = labels }
        return pod
    }

    static func page(_ pods: [Pod], resourceVersion: String?, continue token: String? = nil) -> ResourceList<Pod> {
        ResourceList(metadata: ListMeta(resourceVersion: resourceVersion, continue: token), items: pods)
    }

    static let gone = KubernetesError(reason: .gone, request: "list", message: "410 Expired")
}
