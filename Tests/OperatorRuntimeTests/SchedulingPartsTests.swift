import MetricsTestKit
@testable import OperatorRuntime
import Synchronization
import TestSupport
import Testing

/// The scheduler's agenda, the wake-up a loop sleeps on, and the queue that keeps telling off the path.
@Suite struct SchedulingPartsTests {
    @Test func theAgendaYieldsDeadlinesInOrder() {
        var heap = DeadlineHeap<Int, String>()
        var generator = SystemRandomNumberGenerator()
        let deadlines = (0..<500).map { _ in Int.random(in: 0..<10_000, using: &generator) }
        for (index, deadline) in deadlines.enumerated() { heap.insert(deadline, "k\(index)") }
        var popped: [Int] = []
        while let entry = heap.popFirst() { popped.append(entry.deadline) }
        #expect(popped == deadlines.sorted())
        #expect(heap.isEmpty)
    }

    @Test func aSignalBeforeTheWaitIsKeptOnce() async {
        let wakeup = Wakeup()
        wakeup.signal()
        wakeup.signal()
        await wakeup.wait(until: nil)
        let waited = Task { await wakeup.wait(until: .now + .seconds(30)) }
        for _ in 0..<100 { await Task.yield() }
        wakeup.signal()
        await waited.value
    }

    @Test func aWaitEndsAtItsDeadline() async {
        let wakeup = Wakeup()
        let start = ContinuousClock.now
        await wakeup.wait(until: start + .milliseconds(50))
        #expect(ContinuousClock.now - start >= .milliseconds(50))
    }

    @Test func theBackgroundQueueRunsJobsAndDropsTheOldestWhenFull() async throws {
        let metrics = TestMetrics()
        let queue = BackgroundQueue(name: "t", capacity: 3, workers: 1, metrics: metrics)
        let done = Mutex<[Int]>([])
        for index in 0..<5 { queue.submit { done.withLock { $0.append(index) } } }
        #expect(queue.count == 3)
        #expect(try metrics.expectCounter("resilience_background_dropped_total", [("queue", "t")]).totalValue == 2)
        let runner = Task { await queue.run() }
        try await eventually("the kept jobs ran") { done.withLock { $0 } == [2, 3, 4] ? true : nil }
        queue.submit { done.withLock { $0.append(5) } }
        try await eventually("a job submitted while idle ran") { done.withLock { $0.last } == 5 ? true : nil }
        runner.cancel()
        await runner.value
    }

    @Test func drainingRunsWhatIsLeftEvenWhenTheCallerIsCancelled() async {
        let queue = BackgroundQueue(name: "d", workers: 1)
        let done = Mutex(0)
        for _ in 0..<3 {
            queue.submit {
                try? await Task.sleep(for: .milliseconds(5))
                if !Task.isCancelled { done.withLock { $0 += 1 } }
            }
        }
        let ending = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await queue.drain(within: .seconds(10))
        }
        await ending.value
        #expect(done.withLock { $0 } == 3, "a cancelled term still tells what it did")
        #expect(queue.count == 0)
    }

    /// A backlog of reports (a storm's Events, each job waiting on the API server) never holds a stop past
    /// the drain's limit: the job running at the limit is cancelled, the others are dropped and counted.
    @Test(.timeLimit(.minutes(1))) func drainingStopsAtItsLimit() async throws {
        let metrics = TestMetrics()
        let queue = BackgroundQueue(name: "l", workers: 1, metrics: metrics)
        let started = Mutex(0)
        let finished = Mutex(0)
        for _ in 0..<3 {
            queue.submit {
                started.withLock { $0 += 1 }
                try? await Task.sleep(for: .seconds(3600))
                if !Task.isCancelled { finished.withLock { $0 += 1 } }
            }
        }
        #expect(await queue.drain(within: .milliseconds(100)) == 2, "the jobs not started are dropped")
        #expect(started.withLock { $0 } == 1, "no job starts after the limit")
        #expect(finished.withLock { $0 } == 0, "the job running at the limit was cancelled")
        #expect(queue.count == 0)
        #expect(try metrics.expectCounter("resilience_background_dropped_total", [("queue", "l")]).totalValue == 2)
    }

    @Test func theInternerSharesOneCopyAndForgetsAtItsCapacity() {
        let shared = StringInterner(capacity: 2)
        func storage(_ string: String) -> UnsafeRawPointer? {
            var string = string
            return string.withUTF8 { UnsafeRawPointer($0.baseAddress) }
        }
        let first = shared(String(repeating: "a", count: 40))
        let again = shared(String(repeating: "a", count: 40))
        #expect(storage(first) == storage(again), "one copy of a long string")
        let short = "app"
        #expect(shared(short) == short, "short strings live in the value and pass through")
        _ = shared(String(repeating: "b", count: 40))
        _ = shared(String(repeating: "c", count: 40))
        let afterClear = shared(String(repeating: "a", count: 40))
        #expect(storage(afterClear) != storage(first), "the full table was cleared, and sharing started over")
        #expect(afterClear == first)
    }

    @Test func aJobStartedIsFinishedWhenTheQueueStops() async throws {
        let queue = BackgroundQueue(name: "s", workers: 1)
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let finished = Mutex(false)
        queue.submit {
            startedSignal.yield()
            try? await Task.sleep(for: .milliseconds(100))
            if !Task.isCancelled { finished.withLock { $0 = true } }
        }
        let runner = Task { await queue.run() }
        for await _ in started { break }
        runner.cancel()
        await runner.value
        #expect(finished.withLock { $0 }, "the queue stopped, but the job it had started ran to its end")
    }
}
