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
public enum Planner {
    public static func plan(policy: EffectivePolicy, targets: [TargetObservation], history: RemediationHistory, now: Date) -> Plan {
        var history = history
        var budget = BudgetLedger(policy: policy, history: history, now: now)
        var memory: [String: RemediationHistory.PodMemory] = [:]
        var plans: [TargetPlan] = []
        var decisions: [Decision] = []
        var wake = WakeTime(now: now)
        let ordered = targets.sorted { key($0) < key($1) }
        // Judge every target first: a missing sample whose rule says `freeze` stops the whole policy.
        var planners: [TargetPlanner] = []
        for target in ordered {
            var planner = TargetPlanner(target: target, key: key(target), policy: policy, now: now)
            planner.observe(&history)
            planners.append(planner)
        }
        let frozen = planners.lazy.compactMap(\.freeze).first
        for var planner in planners {
            planner.run(frozen: frozen, budget: &budget, history: &history)
            memory.merge(planner.memory) { _, new in new }
            plans.append(planner.summary)
            decisions += planner.decisions
            wake.merge(planner.wake)
        }
        if let limit = policy.budget { wake.at(budget.oldestInWindow?.addingTimeInterval(limit.window.seconds)) }
        history.pods = memory
        let replicaSets = Set(ordered.flatMap { $0.replicaSets.compactMap(\.metadata.uid) })
        history.revisions = history.revisions.filter { replicaSets.contains($0.key) }
        prune(&history, policy: policy, targets: Set(ordered.map(key)), now: now)
        return Plan(targets: plans, decisions: decisions, history: history, wakeAt: wake.earliest)
    }

    static func key(_ target: TargetObservation) -> String {
        "\(target.deployment.metadata.namespace ?? "")/\(target.name)"
    }

    /// Forgets what no limit looks at any more: settled actions older than every window, and the
    /// episodes and scale memories of Deployments that are no longer targets.
    private static func prune(_ history: inout RemediationHistory, policy: EffectivePolicy, targets: Set<String>, now: Date) {
        let horizon = max(policy.loopWindow, policy.budget?.window.seconds ?? 0, policy.cooldown.seconds, policy.stepTimeout.seconds)
        history.actions.removeAll { $0.settledAt != nil && now.timeIntervalSince($0.time) > horizon }
        history.episodes = history.episodes.filter { targets.contains($0.key) }
        history.scaledFrom = history.scaledFrom.filter { targets.contains($0.key) }
        history.episodeStarts = history.episodeStarts.filter { targets.contains($0.key) }
    }
}
