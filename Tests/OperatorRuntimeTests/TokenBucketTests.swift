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
}
