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
