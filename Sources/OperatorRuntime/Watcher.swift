import KubernetesAPI
import KubernetesClient

/// The list-then-watch state machine, advanced one ``step()`` at a time.
///
/// Expected flow: a paged list (pages of ``pageSize``) from an empty state, then a watch from the list's
/// resourceVersion; bookmarks and events move the resourceVersion; a stream that ends is watched again
/// from the last version.
///
/// Faults, each in one place:
/// - 410 Gone or an expired continue token (``KubernetesError/Reason/gone``, or an `ERROR` event with code
///   410): back to empty, so the next step relists from scratch;
/// - any other error: the state stays (a failed page is fetched again, a failed watch reopened from the
///   last version) and the error is thrown, so the caller backs off before the next step;
/// - a silent connection ends at the stream's deadline, as an error, and is reopened.
public struct Watcher<Source: ListWatch> {
    public typealias Resource = Source.Resource

    private enum State {
        case empty
        case listing(continue: String?)
        case listed(resourceVersion: String)
        case watching(resourceVersion: String, events: Source.Events.AsyncIterator)
    }

    private let source: Source
    private var state: State = .empty
    public var pageSize: Int

    public init(_ source: Source, pageSize: Int = 500) {
        self.source = source
        self.pageSize = pageSize
    }

    /// The resourceVersion the watcher has seen up to, once listed.
    public var resourceVersion: String? {
        switch state {
        case .empty, .listing: return nil
        case .listed(let version), .watching(let version, _): return version
        }
    }

    /// Advances the state machine by one request or one event, returning what the caller should apply
    /// (often nothing: a bookmark, a reopened stream).
    public mutating func step() async throws -> [WatcherEvent<Resource>] {
        switch state {
        case .empty:
            state = .listing(continue: nil)
            return [.initStart]

        case .listing(let token):
            let page: ResourceList<Resource>
            do {
                page = try await source.list(ListOptions(limit: pageSize, continue: token))
            } catch let error as KubernetesError where error.reason == .gone {
                state = .empty
                throw error
            }
            if let next = page.metadata.continue, !next.isEmpty {
                state = .listing(continue: next)
                return [.initPage(page.items)]
            }
            guard let version = page.metadata.resourceVersion, !version.isEmpty else {
                state = .empty
                throw KubernetesError(reason: .decoding, request: "list \(Resource.kind)", message: "the list has no resourceVersion to watch from")
            }
            state = .listed(resourceVersion: version)
            return [.initPage(page.items), .initDone]

        case .listed(let version):
            state = .watching(resourceVersion: version, events: source.watch(resourceVersion: version).makeAsyncIterator())
            return []

        case .watching(let version, var events):
            let event: WatchEvent<Resource>?
            do {
                event = try await events.next()
            } catch let error as KubernetesError where error.reason == .gone {
                state = .empty
                throw error
            } catch {
                state = .listed(resourceVersion: version)
                throw error
            }
            switch event {
            case nil:
                state = .listed(resourceVersion: version)
                return []
            case .added(let object), .modified(let object):
                state = .watching(resourceVersion: object.metadata.resourceVersion ?? version, events: events)
                return [.apply(object)]
            case .deleted(let object):
                state = .watching(resourceVersion: object.metadata.resourceVersion ?? version, events: events)
                return [.delete(object)]
            case .bookmark(let next):
                state = .watching(resourceVersion: next, events: events)
                return []
            case .error(let status):
                let code = status.code ?? 500
                let error = KubernetesError(code: code, status: status, retryAfterHeader: nil, request: "watch \(Resource.kind)")
                state = error.reason == .gone ? .empty : .listed(resourceVersion: version)
                throw error
            }
        }
    }
}
