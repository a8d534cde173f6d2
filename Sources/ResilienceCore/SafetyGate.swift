#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// Admits or blocks the actions planned for one target, in order, and counts what each admitted action
/// uses up, so that a whole plan stays inside every limit.
struct SafetyGate {
    let policy: EffectivePolicy
    let now: Date
    /// Set when every action of the target is off: the check, and why.
    var halt: (check: Decision.SafetyCheck, reason: String)?
    /// Set while a rollout is in progress or the Deployment is paused.
    var rolloutOnly: String?
    var lastActionAt: Date?
    var inFlight: Int
    /// Healthy pods whose every sample is known: a pod nothing is known of is not counted healthy.
    var healthy: Int
    /// Healthy pods with a sample unknown (`onMissing: ignore`), left out of ``healthy``.
    let unknown: Int
    let minHealthyPods: Int
    /// Healthy pods a rollout (rollback, rolloutRestart) takes down at once.
    let rolloutDisruption: Int
    var disruptionsLeft: [String: Int]
    let budgets: [PodDisruptionBudget]
    /// For a StatefulSet (nil for a Deployment): its pods that are not Ready now, by UID, with their names.
    /// Its pods are disrupted one at a time, and a Ready one only while every other is Ready, so a quorum
    /// that holds is never broken by the operator.
    var quorum: [(uid: String, name: String)]? = nil
    /// The pods restarted and not yet replaced by a Ready pod, by name.
    var inFlightRestarts: [String] = []
    /// A StatefulSet with `OrderedReady` pod management (the default): its controller creates a pod only
    /// once every lower ordinal is Running and Ready.
    var orderedReady = false

    /// Decides on `action`, and counts it when admitted. Budget is policy-wide, so it is passed in.
    mutating func admit(_ action: Action, step: RecoveryStep?, pod: Pod?, healthyRemoved: Int = 0, budget: inout BudgetLedger) -> (Decision.Disposition, Decision.SafetyCheck?, String?) {
        if case .admit = action {
            // A new pod's gate: the pod declared that it waits for the operator, so it is opened whatever
            // else is going on, in dry run too; a closed gate would stall every rollout.
            return (.execute, nil, nil)
        }
        if let halt { return (.blocked, halt.check, halt.reason) }
        if case .release = action {
            // Gives serving capacity back: no cooldown, budget or disruption limit applies.
            if policy.dryRun { return (.dryRun, nil, "the policy is in dry-run mode (spec.dryRun): not executed") }
            return (.execute, nil, nil)
        }
        if let rolloutOnly, step != .rollback {
            return (.blocked, .rollout, "\(rolloutOnly): only the rollback step may act")
        }
        if action.isDisruption, let refusal = quorumRefusal(action, pod: pod) {
            return (.blocked, .quorum, refusal)
        }
        if let last = lastActionAt, now.timeIntervalSince(last) < policy.cooldown.seconds {
            // Stable while it lasts (no elapsed time in it), so that repeats are one Event, counted.
            return (.blocked, .cooldown, "in cooldown until \(Timestamp(last.addingTimeInterval(policy.cooldown.seconds))): the last action was at \(Timestamp(last)) (cooldown \(policy.cooldown))")
        }
        if let refusal = budget.refusal() { return (.blocked, .budget, refusal) }
        if action.isDisruption {
            let counted = inFlight - waitingOn(pod)
            if counted >= policy.maxInFlight {
                return (.blocked, .maxInFlight, "\(counted) disruptions not yet replaced by a Ready pod (maxInFlight \(policy.maxInFlight))")
            }
        }
        let removed = removedHealthy(action, healthyRemoved: healthyRemoved)
        if action.isDisruption || removed > 0, healthy - removed < minHealthyPods {
            let uncounted = unknown > 0 ? " (\(unknown) more Ready pods with unknown samples are not counted)" : ""
            return (.blocked, .minHealthy, "would leave \(healthy - removed) healthy pods, fewer than minHealthy \(policy.minHealthy) (\(minHealthyPods) pods); \(healthy) healthy now\(uncounted)")
        }
        if case .restartPod(_, _, true) = action, let pod, let refusal = disruptionBudgetRefusal(pod) {
            return (.blocked, .disruptionBudget, refusal)
        }
        // Admitted: count what it uses.
        lastActionAt = now
        budget.use()
        if action.isDisruption { inFlight += 1 }
        if case .restartPod(let name, _, _) = action { inFlightRestarts.append(name) }
        healthy -= removed
        if case .restartPod(_, _, true) = action, let pod { consumeDisruption(pod) }
        if policy.dryRun { return (.dryRun, nil, "the policy is in dry-run mode (spec.dryRun): not executed") }
        return (.execute, nil, nil)
    }

    /// Why a StatefulSet's quorum forbids the disruption now: another disruption is not yet replaced by a
    /// Ready pod, or the pod is Ready (a member serving now) while another is not. Restarting a pod that
    /// is down already costs no member; a rollout (rolloutRestart, rollback) is paced by the StatefulSet
    /// controller itself, one pod at a time, once nothing else is in flight.
    private func quorumRefusal(_ action: Action, pod: Pod?) -> String? {
        guard let quorum else { return nil }
        let waiting = inFlight - waitingOn(pod)
        if waiting > 0 {
            return "a StatefulSet's pods are disrupted one at a time, and \(waiting) disruption is not yet replaced by a Ready pod"
        }
        guard let pod, pod.isReady else { return nil }
        let others = quorum.filter { $0.uid != pod.metadata.uid }
        guard let first = others.first else { return nil }
        return "\(pod.metadata.name ?? "") is Ready, and \(others.count) other pod\(others.count == 1 ? " is" : "s are") not (\(first.name)): disrupting it would take one more member of the StatefulSet away"
    }

    /// The in-flight restarts that wait on `pod`, one that is not Ready: with `OrderedReady`, those of higher
    /// ordinals, which the controller creates again only once `pod` is Running and Ready. Holding `pod`
    /// until they are replaced (by the quorum or by `maxInFlight`) would hold both for good (a pod
    /// restarted alone, then a lower one failing before its replacement came); restarting `pod`, down
    /// already, costs no member.
    private func waitingOn(_ pod: Pod?) -> Int {
        guard orderedReady, let pod, !pod.isReady, let name = pod.metadata.name else { return 0 }
        let ordinal = TargetPlanner.ordinal(name)
        return inFlightRestarts.filter { TargetPlanner.ordinal($0) > ordinal }.count
    }

    /// Healthy pods the action takes away: none for pod actions (they aim at unhealthy pods), a rollout's
    /// worth for rollouts, and what the caller says for scaling down.
    private func removedHealthy(_ action: Action, healthyRemoved: Int) -> Int {
        switch action {
        case .rollback, .rolloutRestart: return rolloutDisruption
        case .scale, .setAutoscalerMinimum: return healthyRemoved
        case .restartPod, .isolate, .release, .admit, .alert: return 0
        }
    }

    /// Why an eviction of `pod` would be refused now, following the API server: a Pending pod is never
    /// refused; a Running pod that is not Ready only when the budget's application is already disrupted
    /// (currentHealthy < desiredHealthy); any other pod when no disruption is allowed.
    private func disruptionBudgetRefusal(_ pod: Pod) -> String? {
        guard pod.status?.phase != "Pending" else { return nil }
        for budget in covering(pod) {
            let name = budget.metadata.name ?? ""
            let status = budget.status
            let allowed = disruptionsLeft[name] ?? status?.disruptionsAllowed ?? 0
            let current = status?.currentHealthy ?? 0, desired = status?.desiredHealthy ?? 0
            if !pod.isReady, pod.status?.phase == "Running" {
                if current < desired {
                    return "PodDisruptionBudget \(name) refuses: the application is disrupted (currentHealthy \(current) < desiredHealthy \(desired))"
                }
                continue
            }
            if allowed <= 0 {
                return "PodDisruptionBudget \(name) allows \(allowed) disruptions now (currentHealthy \(current), desiredHealthy \(desired))"
            }
        }
        return nil
    }

    private mutating func consumeDisruption(_ pod: Pod) {
        guard pod.isReady else { return }
        for budget in covering(pod) {
            let name = budget.metadata.name ?? ""
            disruptionsLeft[name] = (disruptionsLeft[name] ?? budget.status?.disruptionsAllowed ?? 0) - 1
        }
    }

    private func covering(_ pod: Pod) -> [PodDisruptionBudget] {
        budgets.filter { $0.spec?.selector.map { $0.matches(pod.metadata.labels) } ?? false }
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }
}

/// The policy's action budget: actions in the sliding window, executed or planned in this plan.
struct BudgetLedger {
    let limit: EffectivePolicy.Budget?
    private(set) var used: Int
    let oldestInWindow: Date?

    init(policy: EffectivePolicy, history: RemediationHistory, now: Date) {
        limit = policy.budget
        guard let limit = policy.budget else {
            used = 0
            oldestInWindow = nil
            return
        }
        let start = now.addingTimeInterval(-limit.window.seconds)
        let inWindow = history.actions.filter { $0.time > start }
        used = inWindow.count
        oldestInWindow = inWindow.map(\.time).min()
    }

    func refusal() -> String? {
        guard let limit, used >= limit.count else { return nil }
        let frees = oldestInWindow.map { " (the oldest leaves the window at \($0.addingTimeInterval(limit.window.seconds)))" } ?? ""
        return "the action budget is spent: \(used) of \(limit.count) actions in \(limit.window)\(frees)"
    }

    mutating func use() {
        used += 1
    }
}
