import KubernetesAPI
import Synchronization

/// The watch cache of one kind: one writer (its ``Reflector``), any number of readers.
///
/// Readers look objects up by key, by namespace, by label selector, by owner UID and by the values of
/// the store's own index (client-go's indexers: say what an object is found by). A relist is built
/// aside and swapped in whole at `initDone`, so a reader sees either the old contents or the new, never a
/// half-listed cache. ``waitUntilSynced()`` returns once the first list is in.
public final class Store<Resource: KubernetesResource>: Sendable {
    // The readers are inlinable (so the state they read is usable from inline code): specialized in the
    // module that reads a store of pods, a lookup copies a pod as a pod, not through the generic value
    // witnesses and the runtime's metadata cache (a tenth of the reconciler's CPU at 10,000 pods).
    @usableFromInline struct Contents {
        let index: Index?
        @usableFromInline var objects: [ObjectKey: Resource] = [:]
        @usableFromInline var byNamespace: [String: Set<ObjectKey>] = [:]
        @usableFromInline var byOwner: [String: Set<ObjectKey>] = [:]
        @usableFromInline var byIndex: [String: Set<ObjectKey>] = [:]

        @discardableResult
        mutating func insert(_ object: Resource) -> Resource? {
            guard let key = ObjectKey(object.metadata) else { return nil }
            let old = remove(key)
            objects[key] = object
            byNamespace[key.namespace, default: []].insert(key)
            for owner in object.metadata.ownerReferences ?? [] {
                byOwner[owner.uid, default: []].insert(key)
            }
            for value in index?(object) ?? [] {
                byIndex[value, default: []].insert(key)
            }
            return old
        }

        @discardableResult
        mutating func remove(_ key: ObjectKey) -> Resource? {
            guard let old = objects.removeValue(forKey: key) else { return nil }
            Self.drop(key, under: key.namespace, from: &byNamespace)
            for owner in old.metadata.ownerReferences ?? [] {
                Self.drop(key, under: owner.uid, from: &byOwner)
            }
            for value in index?(old) ?? [] {
                Self.drop(key, under: value, from: &byIndex)
            }
            return old
        }

        private static func drop(_ key: ObjectKey, under value: String, from index: inout [String: Set<ObjectKey>]) {
            index[value]?.remove(key)
            if index[value]?.isEmpty == true { index[value] = nil }
        }
    }

    /// The values an object is found by through ``indexed(_:)``.
    public typealias Index = @Sendable (Resource) -> [String]

    @usableFromInline struct State {
        @usableFromInline var live: Contents
        var building: Contents?
        var synced = false
        /// Why the first list has not come in yet: the last error listing failed with.
        var failure: String?
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    @usableFromInline let state: Mutex<State>

    /// A store whose objects are also found by the values `index` gives them.
    public init(index: Index? = nil) {
        state = Mutex(State(live: Contents(index: index)))
    }

    /// Applies one watcher event, and returns the version of the object it replaced or deleted (nil for
    /// a new object and for a relist), so that a trigger can tell what changed. Only the store's
    /// reflector calls this.
    @discardableResult
    public func apply(_ event: WatcherEvent<Resource>) -> Resource? {
        var previous: Resource?
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            switch event {
            case .initStart:
                state.building = Contents(index: state.live.index)
            case .initPage(let objects):
                for object in objects { state.building?.insert(object) }
            case .initDone:
                state.live = state.building ?? Contents(index: state.live.index)
                state.building = nil
                if !state.synced {
                    state.synced = true
                    state.failure = nil
                    let waiters = Array(state.waiters.values)
                    state.waiters = [:]
                    return waiters
                }
            case .apply(let object):
                previous = state.live.insert(object)
            case .delete(let object):
                if let key = ObjectKey(object.metadata) { previous = state.live.remove(key) }
            }
            return []
        }
        for waiter in woken { waiter.resume() }
        return previous
    }

    /// Whether the first complete list is in.
    public var isSynced: Bool { state.withLock { $0.synced } }

    /// The kind the store holds, for saying which cache is not synced.
    public var kind: String { Resource.kind }

    /// Why the first list is not in yet (the last error), or nil.
    public var failure: String? { state.withLock { $0.synced ? nil : $0.failure } }

    /// Notes why the watch failed; it names the cache while it has not synced. Only the store's
    /// reflector calls this.
    public func noteFailure(_ description: String) {
        state.withLock { $0.failure = description }
    }

    /// Returns once the first complete list is in, or at once when the task is cancelled.
    public func waitUntilSynced() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.synced || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    @inlinable public func get(_ key: ObjectKey) -> Resource? {
        state.withLock { $0.live.objects[key] }
    }

    /// The objects in `namespace` (all namespaces when nil) that `selector` matches (all when nil).
    @inlinable public func list(namespace: String? = nil, selector: LabelSelector? = nil) -> [Resource] {
        state.withLock { state in
            let candidates: [Resource]
            if let namespace {
                candidates = (state.live.byNamespace[namespace] ?? []).compactMap { state.live.objects[$0] }
            } else {
                candidates = Array(state.live.objects.values)
            }
            guard let selector else { return candidates }
            return candidates.filter { selector.matches($0.metadata.labels) }
        }
    }

    /// The objects that name `uid` among their owner references.
    @inlinable public func owned(by uid: String) -> [Resource] {
        state.withLock { state in
            (state.live.byOwner[uid] ?? []).compactMap { state.live.objects[$0] }
        }
    }

    /// The objects the store's index gives `value`.
    @inlinable public func indexed(_ value: String) -> [Resource] {
        state.withLock { state in
            (state.live.byIndex[value] ?? []).compactMap { state.live.objects[$0] }
        }
    }

    /// How many objects the cache holds.
    public var count: Int { state.withLock { $0.live.objects.count } }
}
