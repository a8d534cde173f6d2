#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// Which policy protects a Deployment that more than one policy names or selects.
///
/// Two policies acting on one Deployment would each count only their own disruptions, cooldown and
/// budget, so maxInFlight and minHealthy would hold per policy, not per Deployment. The operator
/// refuses the overlap instead: the oldest policy (by creation, then name) that can act on it keeps the
/// Deployment, and every later one leaves it alone and says so (`Ready=False`, reason `Overlap`, naming
/// the owner). A policy that is invalid or being deleted owns nothing, so the next one takes over.
public enum PolicyOverlap {
    /// The policy that owns a Deployment protected by `policies` (all of them protecting it).
    public static func owner(among policies: [ResiliencePolicy]) -> ResiliencePolicy? {
        policies.filter(canOwn).min { first, second in
            let a = first.metadata.creationTimestamp ?? .distantFuture, b = second.metadata.creationTimestamp ?? .distantFuture
            return a != b ? a < b : (first.metadata.name ?? "") < (second.metadata.name ?? "")
        }
    }

    /// Whether `policy` may act on its Deployments: valid, and not being deleted.
    public static func canOwn(_ policy: ResiliencePolicy) -> Bool {
        guard policy.metadata.deletionTimestamp == nil, policy.decodingProblem == nil else { return false }
        return (try? EffectivePolicy(policy.spec)) != nil
    }
}
