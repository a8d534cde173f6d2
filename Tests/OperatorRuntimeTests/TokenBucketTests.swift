import KubernetesClient
import TestSupport
import Testing

@Suite struct TokenBucketTests {
    @Test func burstIsFreeThenCallersWaitInTurn() {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: 10, burst: 3, clock: clock)
        #expect((0..<3).map { _ in bucket.reserve() } == [.zero, .zero, .zero])
        #expect(bucket.reserve() == .milliseconds(100))
        #expect(bucket.reserve() == .milliseconds(200))
        clock.advance(by: .milliseconds(200))
        #expect(bucket.reserve() == .milliseconds(100))
    }

    @Test func refillsUpToTheBurstOnly() {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: 10, burst: 2, clock: clock)
        _ = bucket.reserve()
        _ = bucket.reserve()
        clock.advance(by: .seconds(60))
        #expect(bucket.reserve() == .zero)
        #expect(bucket.reserve() == .zero)
        #expect(bucket.reserve() == .milliseconds(100))
    }

    @Test func acquireSleepsOnTheClock() async throws {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: 1, burst: 1, clock: clock)
        try await bucket.acquire()
        let waiting = Task { try await bucket.acquire() }
        try await clock.waitForSleepers()
        clock.advance(by: .seconds(1))
        try await waiting.value
    }

    @Test func backgroundCallersNeverSpendTheBurstNorGoIntoDebt() async throws {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: 10, burst: 30, clock: clock)
        // Background traffic takes a token from a full bucket only: one now, the next once it refilled.
        try await bucket.acquire(priority: .background)
        let waiting = Task { try await bucket.acquire(priority: .background) }
        try await clock.waitForSleepers(1)
        // The rest of the burst is there for critical requests, at once.
        for _ in 0..<29 { #expect(bucket.reserve() == .zero) }
        #expect(bucket.reserve() == .milliseconds(100), "the burst is spent: the next critical request waits its turn")
        // The waiting background request is still behind: the critical ones took the tokens it waited for.
        clock.advance(by: .milliseconds(200))
        try await clock.waitForSleepers(1)
        #expect(bucket.reserve() == .zero, "a token that came while background waited went to the critical caller")
        // 29 tokens are not enough: it sleeps again until the bucket is full.
        clock.advance(by: .milliseconds(2_900))
        try await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        try await waiting.value
    }
}
