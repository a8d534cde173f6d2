import KubernetesClient
import Logging
import OperatorRuntime
import TestSupport

/// A ``LeaderElector`` campaigning in the test's own process, with a `lead` that only holds the lease
/// until it is cancelled, started and awaited until it leads.
struct LeadingCandidate {
    let elector: LeaderElector<ContinuousClock>
    /// The campaign; cancelling it is a graceful shutdown (the lease is released).
    let campaign: Task<LeaderElector<ContinuousClock>.Outcome, Never>

    /// Starts campaigning for `lease` as `identity` and returns once this candidate leads.
    static func elected(
        lease: String, namespace: String, identity: String, client: KubernetesClient,
        leaseDuration: Duration, renewDeadline: Duration, retryPeriod: Duration
    ) async throws -> LeadingCandidate {
        var configuration = LeaderElector<ContinuousClock>.Configuration(leaseName: lease, namespace: namespace, identity: identity)
        configuration.leaseDuration = leaseDuration
        configuration.renewDeadline = renewDeadline
        configuration.retryPeriod = retryPeriod
        let elector = LeaderElector(configuration: configuration, client: client, clock: ContinuousClock(), logger: Logger(label: "elector"))
        let campaign = Task { await elector.run(lead: { try? await Task.sleep(for: .seconds(3600)) }) }
        do {
            try await eventually("leadership") { elector.fence.isHeld ? true : nil }
        } catch {
            campaign.cancel()
            throw error
        }
        return LeadingCandidate(elector: elector, campaign: campaign)
    }
}
