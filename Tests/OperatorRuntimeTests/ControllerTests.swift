import KubernetesAPI
import Logging
import MetricsTestKit
import OperatorRuntime
import Synchronization
import TestSupport
import Testing

@Suite struct ControllerTests {
    private let key = ObjectKey(namespace: "shop", name: "web")

    @Test func waitsForCachesThenNeverRunsOneKeyTwiceAtOnce() async throws {
        let clock = ManualClock()
        let queue = WorkQueue<ObjectKey, ManualClock>(name: "c", clock: clock)
        let store = Store<Pod>()
        let running = Mutex((now: 0, most: 0, total: 0))
        let controller = Controller(name: "c", queue: queue, concurrency: 4, logger: Logger(label: "test")) { _, _ in
            running.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.total += 1 }
            try await Task.sleep(for: .milliseconds(5))
            running.withLock { $0.now -= 1 }
            return .awaitChange
        }
        let task = Task { await controller.run(waitingFor: [store]) }
        await queue.add(key)
        try await Task.sleep(for: .milliseconds(30))
        #expect(running.withLock { $0.total } == 0, "no reconcile before the cache has synced")
        store.apply(.initStart)
        store.apply(.initDone)
        for _ in 0..<20 {
            await queue.add(key)
            try await Task.sleep(for: .milliseconds(1))
        }
        try await eventually("the queue to drain") { await queue.depth == 0 && running.withLock({ $0.now }) == 0 ? true : nil }
        #expect(running.withLock { $0.most } == 1)
        #expect(running.withLock { $0.total } >= 2)
        task.cancel()
        await task.value
    }

    @Test func eachReconcileIsToldWhyAndGetsItsOwnID() async throws {
        let queue = WorkQueue<ObjectKey, ManualClock>(name: "w", clock: ManualClock())
        let seen = Mutex<[(UInt64, ReconcileReason, String?)]>([])
        let controller = Controller(name: "w", queue: queue, concurrency: 1, logger: Logger(label: "test")) { _, context in
            seen.withLock { $0.append((context.id, context.reason, context.logger[metadataKey: "reconcile"].map { "\($0)" })) }
            return .awaitChange
        }
        let task = Task { await controller.run(waitingFor: []) }
        await queue.add(key, reason: .objectChanged(kind: "Pod", object: "shop/web-1"))
        try await eventually("the first reconcile") { seen.withLock { $0.count } == 1 ? true : nil }
        await queue.add(key, reason: .requested("a probe round"))
        try await eventually("the second reconcile") { seen.withLock { $0.count } == 2 ? true : nil }
        let runs = seen.withLock { $0 }
        #expect(runs[0].1 == .objectChanged(kind: "Pod", object: "shop/web-1"))
        #expect(runs[1].1 == .requested("a probe round"))
        #expect(runs[0].0 < runs[1].0)
        #expect(runs.map(\.2) == runs.map { "\($0.0)" }, "the logger carries the reconcile id")
        task.cancel()
        await task.value
    }

    @Test func requeueAfterWakesTheKeyAtThatMoment() async throws {
        let clock = ManualClock()
        let queue = WorkQueue<ObjectKey, ManualClock>(name: "r", clock: clock)
        let runs = Mutex(0)
        let controller = Controller(name: "r", queue: queue, concurrency: 1, logger: Logger(label: "test")) { _, _ in
            runs.withLock { $0 += 1 }
            return .requeue(after: .seconds(30))
        }
        let task = Task { await controller.run(waitingFor: []) }
        await queue.add(key)
        try await eventually("the first reconcile") { runs.withLock { $0 } == 1 ? true : nil }
        try await clock.waitForSleepers(1)
        clock.advance(by: .seconds(29))
        try await Task.sleep(for: .milliseconds(20))
        #expect(runs.withLock { $0 } == 1)
        clock.advance(by: .seconds(1))
        try await eventually("the wake-up at 30 s") { runs.withLock { $0 } == 2 ? true : nil }
        task.cancel()
        await task.value
    }

    @Test func failuresRetryWithBackoffAndSuccessForgets() async throws {
        struct Flaky: Error {}
        let clock = ManualClock()
        let metrics = TestMetrics()
        let queue = WorkQueue<ObjectKey, ManualClock>(name: "f", clock: clock, metrics: metrics)
        let runs = Mutex(0)
        let controller = Controller(name: "f", queue: queue, concurrency: 1, logger: Logger(label: "test"), metrics: metrics) { _, _ in
            let run = runs.withLock { $0 += 1; return $0 }
            if run <= 2 { throw Flaky() }
            return .awaitChange
        }
        let task = Task { await controller.run(waitingFor: []) }
        await queue.add(key)
        try await eventually("the first failure") { runs.withLock { $0 } == 1 ? true : nil }
        try await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(5))
        try await eventually("the retry after 5 ms") { runs.withLock { $0 } == 2 ? true : nil }
        try await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(10))
        try await eventually("the retry after 10 ms") { runs.withLock { $0 } == 3 ? true : nil }
        try await eventually("the failures to be forgotten") { await queue.failureCount(key) == 0 ? true : nil }
        try await eventually("the third reconcile to be timed") {
            (try? metrics.expectTimer("resilience_reconcile_duration_seconds", [("controller", "f")]).values.count) == 3 ? true : nil
        }
        #expect(try metrics.expectCounter("resilience_reconcile_total", [("controller", "f"), ("result", "error")]).totalValue == 2)
        #expect(try metrics.expectCounter("resilience_reconcile_total", [("controller", "f"), ("result", "success")]).totalValue == 1)
        #expect(try metrics.expectCounter("resilience_workqueue_retries_total", [("queue", "f")]).totalValue == 2)
        #expect(try metrics.expectGauge("resilience_workqueue_depth", [("queue", "f")]).lastValue == 0)
        task.cancel()
        await task.value
    }
}
