import Synchronization

/// Whether this replica may still act as the leader. Every write an action makes checks it first.
///
/// The ``LeaderElector`` extends it at each renewal to the moment that renewal started plus
/// `renewDeadline`, which passes before any other candidate may take the lease (they wait a whole
/// `leaseDuration` from when they saw the renewal), and lowers it when leadership ends. So a leader
/// whose renewals stall stops acting at its renew deadline, before a successor can start: never two
/// leaders acting at once.
public final class LeadershipFence<C: Clock>: Sendable where C.Duration == Duration {
    private let clock: C
    /// Until when this replica may act; nil when it does not lead.
    private let until: Mutex<C.Instant?>

    public init(clock: C) {
        self.clock = clock
        self.until = Mutex(nil)
    }

    /// Whether this replica leads now.
    public var isHeld: Bool {
        until.withLock { $0.map { clock.now < $0 } ?? false }
    }

    /// Leadership holds until `moment`, unless lowered before.
    func extend(to moment: C.Instant) {
        until.withLock { $0 = moment }
    }

    /// Leadership ended.
    func lower() {
        until.withLock { $0 = nil }
    }
}
