import OperatorRuntime
import TestSupport
import Testing

/// A seeded xorshift generator: repeatable draws that still spread.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

@Suite struct BackoffTests {
    private let start = ManualClock.Instant(offset: .zero)

    @Test func doublesUpToTheMaximumWithoutJitter() {
        var backoff = Backoff<ManualClock.Instant>(jitter: 0)
        var random = SeededRandom(state: 42)
        let delays = (0..<8).map { backoff.next(at: start.advanced(by: .seconds($0)), using: &random) }
        #expect(delays == [.milliseconds(800), .milliseconds(1600), .milliseconds(3200), .milliseconds(6400),
                           .milliseconds(12800), .milliseconds(25600), .seconds(30), .seconds(30)])
    }

    @Test func jitterAddsUpToTheWholeDelay() {
        var random = SeededRandom(state: 0x9E37_79B9_7F4A_7C15)
        let delays = (0..<200).map { _ in
            var backoff = Backoff<ManualClock.Instant>()
            return backoff.next(at: start, using: &random)
        }
        #expect(delays.allSatisfy { $0 >= .milliseconds(800) && $0 <= .milliseconds(1600) })
        #expect(delays.contains { $0 < .milliseconds(1000) } && delays.contains { $0 > .milliseconds(1400) })
    }

    @Test func resetsAfterAHealthyPeriod() {
        var backoff = Backoff<ManualClock.Instant>(jitter: 0)
        var random = SeededRandom(state: 42)
        _ = backoff.next(at: start, using: &random)
        _ = backoff.next(at: start.advanced(by: .seconds(1)), using: &random)
        #expect(backoff.next(at: start.advanced(by: .seconds(100)), using: &random) == .milliseconds(3200))
        #expect(backoff.next(at: start.advanced(by: .seconds(221)), using: &random) == .milliseconds(800))
    }
}
