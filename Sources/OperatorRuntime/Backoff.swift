/// Exponential backoff with jitter that forgets after a healthy period, as client-go's reflector and
/// kube-rs's watcher use it: 0.8 s doubling to 30 s, with up to 100% jitter, reset after 120 s of health.
///
/// Pure: the caller passes the time and a random source, so tests are exact.
public struct Backoff<Instant: InstantProtocol & Sendable>: Sendable where Instant.Duration == Duration {
    public var initial: Duration
    public var maximum: Duration
    public var factor: Double
    /// The fraction of each delay added at random: 1.0 waits between 1x and 2x.
    public var jitter: Double
    /// After this long without a failure, the next failure starts from `initial` again.
    public var resetAfter: Duration

    private var current: Duration?
    private var lastFailure: Instant?

    public init(
        initial: Duration = .milliseconds(800),
        maximum: Duration = .seconds(30),
        factor: Double = 2,
        jitter: Double = 1,
        resetAfter: Duration = .seconds(120)
    ) {
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// The delay before the next attempt, after a failure at `now`.
    public mutating func next<R: RandomNumberGenerator>(at now: Instant, using random: inout R) -> Duration {
        if let lastFailure, lastFailure.duration(to: now) >= resetAfter {
            current = nil
        }
        lastFailure = now
        let base = current.map { min($0 * factor, maximum) } ?? initial
        current = base
        let spread = jitter > 0 ? Double.random(in: 0...jitter, using: &random) : 0
        return min(base + base * spread, maximum * (1 + jitter))
    }

    /// The delay before the next attempt, with the system's random source.
    public mutating func next(at now: Instant) -> Duration {
        var random = SystemRandomNumberGenerator()
        return next(at: now, using: &random)
    }

    /// Forgets the failures now, as after a success that proves health.
    public mutating func reset() {
        current = nil
        lastFailure = nil
    }
}
