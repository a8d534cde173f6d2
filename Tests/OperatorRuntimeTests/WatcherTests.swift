import KubernetesAPI
import KubernetesClient
import OperatorRuntime
import Testing

@Suite struct WatcherTests {
    private func names(_ events: [WatcherEvent<Pod>]) -> [String] {
        events.map {
            switch $0 {
            case .initStart: "initStart"
            case .initPage(let pods): "initPage(\(pods.compactMap(\.metadata.name).joined(separator: ",")))"
            case .initDone: "initDone"
            case .apply(let pod): "apply(\(pod.metadata.name!)@\(pod.metadata.resourceVersion!))"
            case .delete(let pod): "delete(\(pod.metadata.name!))"
            }
        }
    }

    private func run(_ watcher: inout Watcher<ScriptedListWatch>, steps: Int) async throws -> [String] {
        var out: [String] = []
        for _ in 0..<steps { out += names(try await watcher.step()) }
        return out
    }

    @Test func pagedListThenWatchFromTheListVersionWithBookmarks() async throws {
        let source = ScriptedListWatch(
            lists: [
                .success(Pods.page([try Pods.pod("a", resourceVersion: "5")], resourceVersion: "10", continue: "page2")),
                .success(Pods.page([try Pods.pod("b", resourceVersion: "7")], resourceVersion: "10")),
            ],
            watches: [[
                .success(.modified(try Pods.pod("a", resourceVersion: "11"))),
                .success(.bookmark(resourceVersion: "15")),
                .success(.deleted(try Pods.pod("b", resourceVersion: "16"))),
            ]])
        var watcher = Watcher(source, pageSize: 1)
        let events = try await run(&watcher, steps: 7)
        #expect(events == ["initStart", "initPage(a)", "initPage(b)", "initDone", "apply(a@11)", "delete(b)"])
        #expect(source.recorded == ["list continue=- limit=1", "list continue=page2 limit=1", "watch rv=10"])
        #expect(watcher.resourceVersion == "16")
    }

    @Test func bookmarkMovesTheVersionAndAnEndedStreamRewatchesFromIt() async throws {
        let source = ScriptedListWatch(
            lists: [.success(Pods.page([], resourceVersion: "10"))],
            watches: [[.success(.bookmark(resourceVersion: "42"))], []])
        var watcher = Watcher(source)
        _ = try await run(&watcher, steps: 6)
        #expect(source.recorded == ["list continue=- limit=500", "watch rv=10", "watch rv=42"])
        #expect(watcher.resourceVersion == "42")
    }

    @Test func goneErrorEventRelistsFromScratch() async throws {
        let expired = Status(status: "Failure", message: "too old resource version: 10 (20)", reason: "Expired", code: 410)
        let source = ScriptedListWatch(
            lists: [
                .success(Pods.page([try Pods.pod("a", resourceVersion: "5")], resourceVersion: "10")),
                .success(Pods.page([try Pods.pod("c", resourceVersion: "21")], resourceVersion: "22")),
            ],
            watches: [[.success(.error(expired))]])
        var watcher = Watcher(source)
        #expect(try await run(&watcher, steps: 3) == ["initStart", "initPage(a)", "initDone"])
        let error = await #expect(throws: KubernetesError.self) { _ = try await watcher.step() }
        #expect(error?.reason == .gone)
        #expect(watcher.resourceVersion == nil)
        #expect(try await run(&watcher, steps: 2) == ["initStart", "initPage(c)", "initDone"])
        #expect(watcher.resourceVersion == "22")
    }

    @Test func expiredContinueTokenRelistsFromTheFirstPage() async throws {
        let source = ScriptedListWatch(
            lists: [
                .success(Pods.page([try Pods.pod("a", resourceVersion: "5")], resourceVersion: "10", continue: "stale")),
                .failure(Pods.gone),
                .success(Pods.page([try Pods.pod("a", resourceVersion: "30")], resourceVersion: "31")),
            ],
            watches: [])
        var watcher = Watcher(source, pageSize: 1)
        _ = try await run(&watcher, steps: 2)
        await #expect(throws: KubernetesError.self) { _ = try await watcher.step() }
        #expect(try await run(&watcher, steps: 2) == ["initStart", "initPage(a)", "initDone"])
        #expect(source.recorded == ["list continue=- limit=1", "list continue=stale limit=1", "list continue=- limit=1"])
    }

    @Test func otherErrorsKeepTheStateSoTheSameStepIsRetried() async throws {
        let broken = KubernetesError(reason: .transport, request: "watch", message: "connection reset")
        let source = ScriptedListWatch(
            lists: [
                .failure(KubernetesError(reason: .serverTimeout, request: "list", message: "504")),
                .success(Pods.page([], resourceVersion: "10")),
            ],
            watches: [[.success(.added(try Pods.pod("a", resourceVersion: "11"))), .failure(broken)], []])
        var watcher = Watcher(source)
        _ = try await watcher.step()
        await #expect(throws: KubernetesError.self) { _ = try await watcher.step() }
        #expect(try await run(&watcher, steps: 3) == ["initPage()", "initDone", "apply(a@11)"])
        let error = await #expect(throws: KubernetesError.self) { _ = try await watcher.step() }
        #expect(error?.reason == .transport)
        _ = try await watcher.step()
        #expect(source.recorded == ["list continue=- limit=500", "list continue=- limit=500", "watch rv=10", "watch rv=11"])
    }
}
