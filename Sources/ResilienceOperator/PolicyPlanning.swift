#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import OperatorRuntime
import ResilienceCore

/// The planning part of a reconcile: the policy's targets as the caches hold them (through their
/// indexes: only the target's own objects), its probe and metric samples, the alerts it holds on, and the
/// pure planner.
struct PolicyPlanning: Sendable {
    let caches: OperatorCaches
    let prober: Prober?
    let querier: MetricQuerier?
    /// The alerts policies hold on; nil in tests that plan without.
    var holds: AlertHoldReader? = nil
    /// The operator-wide freeze; nil in tests that plan without.
    var freeze: FreezeSwitch? = nil

    /// Plans the policy's targets named in `replanning` (every target when nil), keeping the others' plans
    /// in `last`.
    func plan(_ policy: ResiliencePolicy, key: ObjectKey, history: RemediationHistory, now: Date, last: [TargetPlan], replanning: Set<String>?) -> PolicyPlan {
        var metrics: [String: [String: MetricSample]] = [:]
        var errors: [String: String] = [:]
        if let rules = policy.spec.health?.metrics, !rules.isEmpty {
            // Without a Prometheus to ask, every sample is unknown, and onMissing decides.
            let results = querier?.results(for: key) ?? MetricQuerier.Results(
                errors: Dictionary(uniqueKeysWithValues: rules.map { ($0.name, "the operator runs without --prometheus-url") }))
            metrics = results.metrics
            errors = results.errors
        }
        return PolicyPlan.make(policy, source: caches.targets(probes: prober), metrics: metrics, metricErrors: errors,
                               alertHold: holds?.reading(for: key), freeze: freeze?.reason, history: history, now: now,
                               last: last, replanning: replanning)
    }
}
