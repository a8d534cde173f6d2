import ArgumentParser
import OperatorRuntime

/// The leader election's times, as client-go names them, for `run` and `leader-election`.
struct LeaderElectionTimes: ParsableArguments {
    @Option(help: "Seconds a candidate waits, after it last saw the Lease renewed, before it may take it.")
    var leaseDuration = 15.0

    @Option(help: "Seconds the leader may go without renewing before it stops acting (less than the lease duration).")
    var renewDeadline = 10.0

    @Option(help: "Seconds between tries to take or renew the Lease.")
    var retryPeriod = 2.0

    /// The longest lease: the times are made integers, which an infinite or huge number overflows.
    private static let longest = 3600.0

    func validate() throws {
        guard leaseDuration > renewDeadline, renewDeadline > retryPeriod, retryPeriod > 0, leaseDuration <= Self.longest else {
            throw ValidationError("need \(Int(Self.longest)) >= --lease-duration > --renew-deadline > --retry-period > 0 (got \(leaseDuration), \(renewDeadline), \(retryPeriod))")
        }
    }

    /// Sets these times on `configuration`.
    func apply(to configuration: inout LeaderElector<ContinuousClock>.Configuration) {
        configuration.leaseDuration = .milliseconds(Int64(leaseDuration * 1000))
        configuration.renewDeadline = .milliseconds(Int64(renewDeadline * 1000))
        configuration.retryPeriod = .milliseconds(Int64(retryPeriod * 1000))
    }
}
