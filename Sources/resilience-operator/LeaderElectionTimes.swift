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

    func validate() throws {
        // At most an hour: the times are made integers, which an infinite or huge number overflows.
        guard leaseDuration > renewDeadline, renewDeadline > retryPeriod, retryPeriod > 0, leaseDuration <= 3600 else {
            throw ValidationError("need 3600 >= --lease-duration > --renew-deadline > --retry-period > 0 (got \(leaseDuration), \(renewDeadline), \(retryPeriod))")
        }
    }

    /// Sets these times on `configuration`.
    func apply(to configuration: inout LeaderElector<ContinuousClock>.Configuration) {
        configuration.leaseDuration = .milliseconds(Int64(leaseDuration * 1000))
        configuration.renewDeadline = .milliseconds(Int64(renewDeadline * 1000))
        configuration.retryPeriod = .milliseconds(Int64(retryPeriod * 1000))
    }
}
