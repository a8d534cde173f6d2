import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import TestSupport
import Testing

/// The reflector's pacing of watches after failures, on a manual clock.
@Suite struct ReflectorTests {
    /// A stream cut after it delivered an event is watched again at once, from that event's version; a
    /// watch that fails with nothing delivered waits for the backoff, and each failure in a row waits.
    @Test func aStreamCutAfterItDeliveredIsWatchedAgainAtOnceOnlyFailuresInARowBackOff() async throws {
        let broken = KubernetesError(reason: .transport, request: "watch", message: "connection reset")
        let source = ScriptedListWatch(
            lists: [.success(Pods.page([], resourceVersion: "10"))],
            watches: [
                [.success(.modified(try Pods.pod("a", resourceVersion: "11"))), .failure(broken)],
                [.failure(broken)],
                [.failure(broken)],
            ])
        let clock = ManualClock()
        let reflector = Reflector(source, clock: clock, logger: Logger(label: "test"))
        let running = Task { await reflector.run() }
        defer { running.cancel() }

        try await eventually("the failure with nothing delivered to wait") { clock.sleeperCount == 1 ? true : nil }
        #expect(source.recorded == ["list continue=- limit=500", "watch rv=10", "watch rv=11"], "the cut stream was watched again without waiting")
        #expect(clock.now.offset == .zero)
        #expect(reflector.store.count == 1)

        // The backoff's first delay is 0.8 s with up to 100% jitter.
        clock.advance(by: .seconds(2))
        try await eventually("the next watch, and its failure to wait again") { source.recorded.count == 4 && clock.sleeperCount == 1 ? true : nil }
        #expect(source.recorded.last == "watch rv=11")
        running.cancel()
        await running.value
    }
}
