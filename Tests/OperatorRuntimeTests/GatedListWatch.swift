import KubernetesAPI
import OperatorRuntime
import Synchronization

/// Wraps a ListWatch so a test can hold the watcher's next watch closed while it changes the cluster,
/// making "an update made while the watch was down" certain rather than a race.
final class GatedListWatch<Inner: ListWatch>: ListWatch, Sendable {
    typealias Resource = Inner.Resource

    private struct State {
        var open = true
        var waiting: [CheckedContinuation<Void, Never>] = []
        var lists = 0
        var watches: [String] = []
    }

    private let inner: Inner
    private let state = Mutex(State())

    init(_ inner: Inner) {
        self.inner = inner
    }

    func close() { state.withLock { $0.open = false } }

    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        waiting.forEach { $0.resume() }
    }

    /// Watches waiting at the closed gate.
    var blocked: Int { state.withLock { $0.waiting.count } }
    var lists: Int { state.withLock { $0.lists } }
    /// The resourceVersion of every watch opened, in order.
    var watches: [String] { state.withLock { $0.watches } }

    func list(_ options: ListOptions) async throws -> ResourceList<Resource> {
        if options.continue == nil { state.withLock { $0.lists += 1 } }
        return try await inner.list(options)
    }

    func watch(resourceVersion: String) -> Events {
        Events(gate: self, resourceVersion: resourceVersion)
    }

    fileprivate func pass(_ resourceVersion: String) async -> Inner.Events {
        await withCheckedContinuation { continuation in
            let through = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if through { continuation.resume() }
        }
        state.withLock { $0.watches.append(resourceVersion) }
        return inner.watch(resourceVersion: resourceVersion)
    }

    /// The inner watch, opened once the gate lets it through.
    struct Events: AsyncSequence {
        let gate: GatedListWatch
        let resourceVersion: String

        func makeAsyncIterator() -> Iterator { Iterator(gate: gate, resourceVersion: resourceVersion) }

        struct Iterator: AsyncIteratorProtocol {
            let gate: GatedListWatch
            let resourceVersion: String
            var inner: Inner.Events.AsyncIterator?

            mutating func next() async throws -> WatchEvent<Resource>? {
                if inner == nil {
                    inner = await gate.pass(resourceVersion).makeAsyncIterator()
                }
                return try await inner!.next()
            }
        }
    }
}
