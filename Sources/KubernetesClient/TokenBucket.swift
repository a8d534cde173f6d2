import Synchronization

/// A token bucket: `rate` tokens a second, at most `burst` saved up. Reservations may drive the balance
/// below zero, so that waiting callers are served in order, each after its own delay.
///
/// Background callers (``acquire(priority:)``) never spend the burst: they take a token only from a full
/// bucket, so they run at the rate critical callers leave, the whole burst stays for the next spike of
/// critical calls (an incident's actions), and they never go into debt: they wait their turn behind
/// every critical caller.
public final class TokenBucket<C: Clock>: Sendable where C.Duration == Duration {
    private let clock: C
    private let rate: Double
    private let burst: Double
    private let state: Mutex<State>

    private struct State {
        var tokens: Double
        var updated: C.Instant
    }

    /// - Parameters:
    ///   - rate: tokens added a second; must be positive.
    ///   - burst: the most tokens saved up, and the starting balance.
    public init(rate: Double, burst: Int, clock: C) {
        precondition(rate > 0 && burst > 0, "a token bucket needs a positive rate and burst")
        self.clock = clock
        self.rate = rate
        self.burst = Double(burst)
        self.state = Mutex(State(tokens: Double(burst), updated: clock.now))
    }

    /// Takes a token and says how long to wait before using it: zero when one was saved up.
    public func reserve() -> Duration {
        state.withLock { state in
            refill(&state)
            state.tokens -= 1
            return state.tokens >= 0 ? .zero : .seconds(-state.tokens / rate)
        }
    }

    /// Takes a token now if a background caller may (the bucket is full), or says how long until it
    /// might be: nil when it took one.
    func reserveBackground() -> Duration? {
        state.withLock { state in
            refill(&state)
            guard state.tokens >= burst else { return .seconds((burst - state.tokens) / rate) }
            state.tokens -= 1
            return nil
        }
    }

    /// Takes a token, waiting on the clock until it may be used.
    public func acquire(priority: RequestPriority = .critical) async throws {
        switch priority {
        case .critical:
            let wait = reserve()
            if wait > .zero {
                try await clock.sleep(for: wait)
            }
        case .background:
            while let wait = reserveBackground() {
                try await clock.sleep(for: wait)
            }
        case .leadership:
            return
        }
    }

    private func refill(_ state: inout State) {
        let now = clock.now
        let elapsed = state.updated.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        state.tokens = min(burst, state.tokens + max(0, seconds) * rate)
        state.updated = now
    }
}
