#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Metrics
import KubernetesAPI

/// The operator's own Prometheus metrics, beside the runtime's reconcile, queue and watch metrics:
///
/// - `resilience_actions_total{policy, step, result}`: actions carried out (`succeeded`, `failed`) or
///   refused (`blocked`);
/// - `resilience_dry_run_actions_total{policy, step}`: what a dry-run policy would have done, apart;
/// - `resilience_unhealthy_pods{policy}`: pods judged unhealthy at the last reconcile;
/// - `resilience_detection_to_action_seconds{step}`: from the moment a pod counted as unhealthy to the
///   action that answered it.
///
/// A refusal or dry run is counted once when it first appears, not at every reconcile that repeats it.
struct OperatorMetrics: Sendable {
    let factory: any MetricsFactory

    func action(policy: ObjectKey, step: String, result: String) {
        if result == "dryRun" {
            Counter(label: "resilience_dry_run_actions_total", dimensions: [("policy", "\(policy)"), ("step", step)], factory: factory).increment()
        } else if result != "suspended" {
            Counter(label: "resilience_actions_total", dimensions: [("policy", "\(policy)"), ("step", step), ("result", result)], factory: factory).increment()
        }
    }

    func unhealthy(policy: ObjectKey, pods: Int) {
        Gauge(label: "resilience_unhealthy_pods", dimensions: [("policy", "\(policy)")], factory: factory).record(pods)
    }

    func detectionToAction(step: String, seconds: Double) {
        Timer(label: "resilience_detection_to_action_seconds", dimensions: [("step", step)], preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// A deleted policy's gauge is reset, so that it stops reporting pods it no longer judges.
    func forget(policy: ObjectKey) {
        unhealthy(policy: policy, pods: 0)
    }
}
