import NIOCore
import NIOPosix
import OperatorRuntime
import Testing

/// Tasks on one event loop: what the operator's path from a pod's change to its action relies on.
@Suite struct EventLoopExecutorTests {
    /// A default actor: with no executor of its own, it runs where its caller's task prefers.
    private actor Counter {
        var count = 0
        func increment(_ loop: any EventLoop) -> Bool {
            count += 1
            return loop.inEventLoop
        }
    }

    @Test func aTaskThatPrefersTheLoopRunsThereAcrossWaitsAndActorCalls() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        #expect(!loop.inEventLoop)
        let counter = Counter()
        let seen = await withTaskExecutorPreference(EventLoopExecutor(loop)) {
            var seen = [loop.inEventLoop]
            try? await Task.sleep(for: .milliseconds(5))
            seen.append(loop.inEventLoop)
            seen.append(await counter.increment(loop))
            seen.append(loop.inEventLoop)
            // Child tasks inherit the preference: a controller's workers run on the loop.
            seen.append(await withTaskGroup(of: Bool.self) { group in
                group.addTask { loop.inEventLoop }
                return await group.next() ?? false
            })
            return seen
        }
        #expect(seen == [true, true, true, true, true])
        #expect(await counter.count == 1)
    }
}
