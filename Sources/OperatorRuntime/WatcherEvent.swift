/// What a ``Watcher`` reports: a (re)list in pages, then changes.
///
/// A relist arrives as `initStart`, any number of `initPage`, then `initDone`, so that a store can
/// build the new contents aside and swap them in whole: readers never see a half-listed cache.
public enum WatcherEvent<Resource: Sendable>: Sendable {
    case initStart
    case initPage([Resource])
    case initDone
    /// Added or modified.
    case apply(Resource)
    case delete(Resource)
}

extension WatcherEvent {
    /// The objects the event is about, for mapping it to the keys it should trigger.
    public var objects: [Resource] {
        switch self {
        case .initStart, .initDone: return []
        case .initPage(let objects): return objects
        case .apply(let object), .delete(let object): return [object]
        }
    }

    /// Whether the event is part of a (re)list.
    public var isRelist: Bool {
        switch self {
        case .initStart, .initPage, .initDone: return true
        case .apply, .delete: return false
        }
    }

    /// The event with `transform` applied to each of its objects.
    public func map(_ transform: (Resource) -> Resource) -> WatcherEvent<Resource> {
        switch self {
        case .initStart: return .initStart
        case .initDone: return .initDone
        case .initPage(let objects): return .initPage(objects.map(transform))
        case .apply(let object): return .apply(transform(object))
        case .delete(let object): return .delete(transform(object))
        }
    }
}
