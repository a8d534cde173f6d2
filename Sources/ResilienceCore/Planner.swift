#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// The brain of the operator, as a pure function:
/// (policy, what is observed of each target, history, now) -> (verdicts, decisions with reasons, history).
///
/// It performs no I/O and reads no clock: the same input always gives the same plan. Targets are planned
/// in `namespace/name` order; the action budget is shared by all targets of the policy, every other limit
/// holds per target Deployment.
///
/// Work follows the change: only the targets in `targets` are observed and planned. `unchanged` are the
/// last plans of the policy's other targets, whose objects did not change and whose timed rules are not
/// due; they are kept as they were (their pods' memory too), and still count for what the whole policy
/// shares: a freeze halts every target, and the budget counts every target's actions.
public enum Planner {
    ///
    /// `replaced` are the last plans of the targets planned now (or gone since): their pods' memory gives
    /// way to what planning finds now, so the cost follows the targets planned, not the policy's size.
    /// Without `unchanged`, only the pods planned now are remembered.
    /// `hold` (an alert that fires, a window, a freeze) halts every action of the policy; the plan wakes
    /// at its end, and at `holdChangesAt` (when a hold would start or end next).
    public static func plan(
        policy: EffectivePolicy, targets: [TargetObservation], unchanged: [TargetPlan] = [], replaced: [TargetPlan] = [],
        hold: PolicyHold? = nil, holdChangesAt: Date? = nil, history: RemediationHistory, now: Date
    ) -> Plan {
        var history = history
        var budget = BudgetLedger(policy: policy, history: history, now: now)
        let observed = Set(targets.map(key))
        let kept = unchanged.filter { !observed.contains($0.target) }
        var memory: [String: RemediationHistory.PodMemory] = [:]
        if !kept.isEmpty {
            memory = history.pods
            for plan in replaced { for verdict in plan.verdicts { memory[verdict.uid] = nil } }
        }
        var plans: [TargetPlan] = kept
        var decisions: [Decision] = []
        var wake = WakeTime(now: now)
        for plan in kept { wake.at(plan.wakeAt) }
        wake.at(hold?.until)
        wake.at(holdChangesAt)
        let keys = targets.map(key)
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        // Judge every target first: a missing sample whose rule says `freeze` stops the whole policy.
        var planners: [TargetPlanner] = []
        for index in order {
            var planner = TargetPlanner(target: targets[index], key: keys[index], policy: policy, now: now)
            planner.observe(&history)
            planners.append(planner)
        }
        let freezes = planners.compactMap { planner in planner.freeze.map { (planner.key, $0) } } + kept.compactMap { plan in plan.freeze.map { (plan.target, $0) } }
        let frozen = freezes.min { $0.0 < $1.0 }?.1
        let budgetFrees = policy.budget.flatMap { limit in budget.oldestInWindow?.addingTimeInterval(limit.window.seconds) }
        for index in planners.indices {
            planners[index].run(frozen: frozen, hold: hold, budget: &budget, history: &history)
            let planner = planners[index]
            memory.merge(planner.memory) { _, new in new }
            var summary = planner.summary
            // A refusal by the budget lifts when the oldest action leaves its window.
            if summary.decisions.contains(where: { $0.blockedBy == .budget }), let budgetFrees {
                summary.wakeAt = min(summary.wakeAt ?? budgetFrees, budgetFrees)
            }
            plans.append(summary)
            decisions += planner.decisions
            wake.merge(planner.wake)
        }
        wake.at(budgetFrees)
        history.pods = memory
        let revisions = Set(plans.flatMap(\.revisions))
        history.revisions = history.revisions.filter { revisions.contains($0.key) }
        prune(&history, policy: policy, targets: plans, now: now)
        if !kept.isEmpty { plans.sort { $0.target < $1.target } }
        return Plan(targets: plans, decisions: decisions, history: history, wakeAt: wake.earliest)
    }

    /// The new pods' serving gates to open while a policy is suspended: it judges nothing and acts on
    /// nothing else, but a pod that declares the gate waits for the operator, and a closed gate would
    /// stall every rollout.
    public static func admissions(_ targets: [TargetObservation]) -> [Decision] {
        targets.flatMap { target in
            TargetPlanner.newlyGated(target).map { Decision(target: key(target), action: $0.action, disposition: .execute, reason: $0.reason) }
        }
    }

    /// The key a target is planned, remembered and told by (``WorkloadKey``): `namespace/name` of a
    /// Deployment, `namespace/statefulset/name` of a StatefulSet.
    public static func key(_ target: TargetObservation) -> String {
        target.workload.key.description
    }

    /// The most action records the history keeps (more when the budget allows more in its window):
    /// `status.memory` stays far below etcd's request limit whatever happens.
    public static let keptActions = 256

    /// Forgets what no limit looks at any more: actions older than every window that are settled, failed
    /// or of a Deployment that is no longer a target (but not a settled one while the replacement that
    /// settled it lives: it settles no other), beyond ``keptActions`` the oldest settled or failed ones,
    /// and the episodes and scale memories of Deployments that are no longer targets.
    private static func prune(_ history: inout RemediationHistory, policy: EffectivePolicy, targets: [TargetPlan], now: Date) {
        let horizon = max(policy.loopWindow, policy.budget?.window.seconds ?? 0, policy.cooldown.seconds, policy.stepTimeout.seconds)
        let keys = Set(targets.map(\.target))
        let done = { (record: RemediationHistory.ActionRecord) in record.settledAt != nil || !record.succeeded || !keys.contains(record.target) }
        let old = { (record: RemediationHistory.ActionRecord) in now.timeIntervalSince(record.time) > horizon && done(record) }
        if history.actions.contains(where: old) {
            let live = Set(targets.lazy.flatMap { $0.verdicts.map(\.uid) })
            history.actions.removeAll { old($0) && !($0.settledBy.map(live.contains) ?? false) }
        }
        var excess = history.actions.count - max(keptActions, policy.budget?.count ?? 0)
        if excess > 0 {
            // Oldest first; disruptions still in flight stay (maxInFlight counts them).
            history.actions.removeAll { record in
                guard excess > 0, done(record) else { return false }
                excess -= 1
                return true
            }
        }
        history.episodes = history.episodes.filter { keys.contains($0.key) }
        history.scaledFrom = history.scaledFrom.filter { keys.contains($0.key) }
        history.episodeStarts = history.episodeStarts.filter { keys.contains($0.key) }
    }
}
