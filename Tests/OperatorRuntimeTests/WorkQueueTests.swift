import OperatorRuntime
import TestSupport
import Testing

@Suite struct WorkQueueTests {
    private func queue(_ clock: ManualClock) -> WorkQueue<String, ManualClock> {
        WorkQueue(name: "test", clock: clock)
    }

    @Test func dedupesWaitingKeysAndKeepsOrder() async {
        let queue = queue(ManualClock())
        for key in ["a", "b", "a", "c", "b"] { await queue.add(key) }
        #expect(await queue.depth == 3)
        #expect(await queue.next()?.key == "a")
        #expect(await queue.next()?.key == "b")
        #expect(await queue.next()?.key == "c")
    }

    @Test func aKeyAddedWhileProcessingWaitsUntilDone() async {
        let queue = queue(ManualClock())
        await queue.add("a")
        #expect(await queue.next()?.key == "a")
        await queue.add("a")
        await queue.add("a")
        #expect(await queue.depth == 0, "a runs now: it must not be handed out twice at once")
        await queue.done("a")
        #expect(await queue.depth == 1)
        #expect(await queue.next()?.key == "a")
        await queue.done("a")
        #expect(await queue.depth == 0)
    }

    @Test func delayedAddWakesAtItsMomentAndTheEarlierDeadlineWins() async throws {
        let clock = ManualClock()
        let queue = queue(clock)
        await queue.add("a", after: .seconds(30))
        await queue.add("a", after: .seconds(10))
        await queue.add("a", after: .seconds(20))
        #expect(await queue.delayedCount == 1)
        try await clock.waitForSleepers(1)
        clock.advance(by: .seconds(9))
        #expect(await queue.depth == 0)
        clock.advance(by: .seconds(1))
        try await eventually("a to be queued at 10 s", timeout: .seconds(5), every: .milliseconds(1)) {
            await queue.depth == 1 ? true : nil
        }
        #expect(await queue.delayedCount == 0)
        clock.advance(by: .seconds(30))
        #expect(await queue.next()?.key == "a")
        await queue.done("a")
        #expect(await queue.depth == 0, "the later wake-ups were dropped")
    }

    @Test func rateLimitedRetriesBackOffPerKeyAndForgetResets() async throws {
        let clock = ManualClock()
        let queue = queue(clock)
        for expected in [Duration.milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(40)] {
            await queue.addRateLimited("a")
            try await clock.waitForSleepers(1)
            clock.advance(by: expected - .nanoseconds(1))
            #expect(await queue.depth == 0)
            clock.advance(by: .nanoseconds(1))
            #expect(await queue.next()?.key == "a")
            await queue.done("a")
        }
        #expect(await queue.failureCount("a") == 4)
        await queue.forget("a")
        #expect(await queue.failureCount("a") == 0)
    }

    @Test func retryAfterIsAFloorForTheBackoff() async throws {
        let clock = ManualClock()
        let queue = queue(clock)
        await queue.addRateLimited("a", atLeast: .seconds(3))
        try await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(2999))
        #expect(await queue.depth == 0, "the 5 ms backoff gave way to the server's 3 s")
        clock.advance(by: .milliseconds(1))
        #expect(await queue.next()?.key == "a")
    }

    @Test func overallBucketHoldsABurstOfFailures() async {
        let clock = ManualClock()
        let queue = WorkQueue<Int, ManualClock>(name: "burst", clock: clock, overallRate: 10, overallBurst: 2)
        for key in 0..<4 { await queue.addRateLimited(key) }
        #expect(await queue.delayedCount == 4)
        clock.advance(by: .milliseconds(5))
        for _ in 0..<50 { await Task.yield() }
        #expect(await queue.depth == 2, "two keys fit the burst; the others wait for tokens")
    }

    @Test func aKeyCarriesTheReasonItWasFirstQueuedFor() async {
        let queue = queue(ManualClock())
        await queue.add("a", reason: .objectChanged(kind: "Pod", object: "shop/web-1"))
        await queue.add("a", reason: .objectChanged(kind: "Pod", object: "shop/web-2"))
        let first = await queue.next()
        #expect(first?.key == "a")
        #expect(first?.reason == .objectChanged(kind: "Pod", object: "shop/web-1"), "a waiting key keeps its first reason")
        await queue.add("a", reason: .requested("a probe round"))
        await queue.done("a")
        #expect(await queue.next()?.reason == .requested("a probe round"), "a key added while it ran is queued again with that reason")
    }

    @Test func scheduledKeysShareOneTimerArmedForTheEarliest() async throws {
        let clock = ManualClock()
        let queue = queue(clock)
        for (index, key) in ["c", "a", "b", "d"].enumerated() {
            await queue.add(key, after: .seconds([30, 10, 20, 10][index]))
        }
        try await clock.waitForSleepers(1)
        for _ in 0..<50 { await Task.yield() }
        #expect(clock.sleeperCount == 1, "four scheduled keys, one sleeping timer")
        clock.advance(by: .seconds(10))
        try await eventually("a and d at 10 s", timeout: .seconds(5), every: .milliseconds(1)) { await queue.depth == 2 ? true : nil }
        let due = await [queue.next(), queue.next()]
        #expect(Set(due.compactMap { $0?.key }) == ["a", "d"])
        #expect(due.allSatisfy { $0?.reason == .scheduled })
        try await clock.waitForSleepers(1)
        clock.advance(by: .seconds(10))
        #expect(await queue.next()?.key == "b")
        try await clock.waitForSleepers(1)
        clock.advance(by: .seconds(10))
        #expect(await queue.next()?.key == "c")
        #expect(await queue.delayedCount == 0)
    }

    @Test func anEarlierDeadlineReArmsTheTimer() async throws {
        let clock = ManualClock()
        let queue = queue(clock)
        await queue.add("late", after: .seconds(60))
        try await clock.waitForSleepers(1)
        await queue.add("soon", after: .seconds(5))
        clock.advance(by: .seconds(5))
        let next = await queue.next()
        #expect(next?.key == "soon", "the timer was re-armed for 5 s, not left at 60 s")
        #expect(await queue.delayedCount == 1)
    }

    @Test func aWorkerIsToldHowLongItsKeyWaited() async {
        let clock = ManualClock()
        let queue = queue(clock)
        await queue.add("a")
        clock.advance(by: .milliseconds(1500))
        await queue.add("a")
        #expect(await queue.next()?.waited == .milliseconds(1500), "from the first add, not the repeat")
        await queue.done("a")
        await queue.add("b")
        #expect(await queue.next()?.waited == .zero)
    }

    @Test func shutDownReleasesWaitingWorkers() async {
        let queue = queue(ManualClock())
        let worker = Task { await queue.next() }
        for _ in 0..<50 { await Task.yield() }
        await queue.shutDown()
        #expect(await worker.value == nil)
        await queue.add("late")
        #expect(await queue.depth == 0)
    }
}
