#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import ResilienceCore

/// Builds a policy's status from its plan and what was carried out. Pure: conditions keep their
/// transition times while their status holds, so an unchanged world writes an unchanged status.
enum StatusBuilder {
    /// The most actions kept in `status.lastActions`.
    static let keptActions = 10

    /// One carried-out (or refused, or dry-run) decision, for the status.
    struct Entry {
        var decision: Decision
        var result: String
        /// The pod's state before the step, or why it was refused.
        var evidence: String?
    }

    /// `memory` is what the operator remembers of what it did; `rehearsal`, in dry run, what it would
    /// remember had it acted (the budget and phase then follow the rehearsal). `unread`: the kinds whose
    /// caches have not synced, with why.
    static func status(
        _ report: PolicyPlan, entries: [Entry], previous: PolicyStatus?, generation: Int64?,
        memory: RemediationHistory, rehearsal: RemediationHistory?, policy: EffectivePolicy?, unread: [String] = [], now: Date
    ) -> PolicyStatus {
        let history = rehearsal ?? memory
        var status = PolicyStatus()
        status.observedGeneration = generation
        let old = previous?.conditions ?? []
        func condition(_ type: String, _ value: Bool, _ reason: String, _ message: String) -> PolicyCondition {
            let text = value ? "True" : "False"
            let since = old.first { $0.type == type && $0.status == text }?.lastTransitionTime ?? now
            return PolicyCondition(type: type, status: text, reason: reason, message: message, lastTransitionTime: since, observedGeneration: generation)
        }
        switch report.outcome {
        case .invalid(let problems):
            status.phase = "Invalid"
            status.conditions = [condition("Ready", false, "InvalidSpec", problems.map(\.description).joined(separator: "; "))]
        case .suspended:
            status.phase = "Suspended"
            status.conditions = [
                condition("Ready", true, "Suspended", "spec.suspend is true: nothing is judged, probed, queried or done; new pods' serving gates are still opened"),
                condition("Suspended", true, "Suspended", "spec.suspend is true"),
            ]
        case .targetMissing where !report.overlaps.isEmpty:
            status.phase = "Overlap"
            status.conditions = [condition("Ready", false, "Overlap", report.overlaps.joined(separator: "; "))]
        case .targetMissing(let reason):
            status.phase = "TargetMissing"
            status.conditions = [condition("Ready", false, "TargetMissing", reason)]
        case .planned(let plan):
            let total = plan.targets.reduce(0) { $0 + $1.verdicts.filter { $0.health != .terminating }.count }
            let healthy = plan.targets.reduce(0) { $0 + $1.healthy }
            let unhealthy = plan.targets.flatMap { $0.verdicts.filter { $0.health == .unhealthy } }
            let inFlight = plan.targets.reduce(0) { $0 + $1.inFlight }
            status.healthy = "\(healthy)/\(total)"
            status.pods = PolicyStatus.PodSummary(
                total: total, healthy: healthy,
                unhealthy: unhealthy.isEmpty ? nil : unhealthy.map { .init(name: $0.pod, reasons: $0.findings.filter { $0.state == .holds }.map(\.message), since: $0.since) })
            let remediating = inFlight > 0 || entries.contains { $0.result == "succeeded" } || !history.episodes.isEmpty
            status.phase = remediating ? "Remediating" : unhealthy.isEmpty ? "Ready" : "Degraded"
            let first = unhealthy.first.map { "\($0.pod): \($0.summary)" }
            let halted = plan.targets.lazy.flatMap(\.decisions).first { $0.blockedBy == .maxUnhealthy || $0.blockedBy == .frozen || $0.blockedBy == .loopBreaker }
            status.conditions = [
                report.overlaps.isEmpty
                    ? condition("Ready", true, "Planned", policy?.dryRun == true ? "dry run: decisions are shown, not carried out" : "judging \(total) pods")
                    : condition("Ready", false, "Overlap", "\(report.overlaps.joined(separator: "; ")); judging the \(total) pods of its other targets"),
                condition("Healthy", unhealthy.isEmpty, unhealthy.isEmpty ? "AllHealthy" : "PodsUnhealthy",
                          unhealthy.isEmpty ? "\(healthy) of \(total) pods healthy" : "\(unhealthy.count) unhealthy; \(first ?? "")"),
                condition("Remediating", remediating, halted.map { "Halted\($0.blockedBy!.rawValue.prefix(1).uppercased())\($0.blockedBy!.rawValue.dropFirst())" } ?? (remediating ? "InProgress" : "Idle"),
                          halted?.reason ?? (inFlight > 0 ? "\(inFlight) disruptions not yet replaced" : remediating ? "recovering" : "nothing to do")),
                condition("Suspended", false, "Active", policy?.dryRun == true ? "judging; dry run" : "judging and acting"),
            ]
            if !unread.isEmpty {
                // Planning goes on with what the operator can read; what needs the rest is refused.
                status.conditions?.append(condition(
                    "CachesSynced", false, "CacheNotSynced",
                    "the operator cannot read \(unread.joined(separator: "; ")): scaling and quarantine are refused while HPAs or Services are unknown, and PodDisruptionBudgets are left to the API server"))
            }
            if let budget = policy?.budget {
                let start = now.addingTimeInterval(-budget.window.seconds)
                let used = history.actions.filter { $0.time > start }
                status.budget = .init(used: used.count, remaining: max(0, budget.count - used.count),
                                      resetsAt: used.map(\.time).min().map { $0.addingTimeInterval(budget.window.seconds) })
            }
        }
        var actions = previous?.lastActions ?? []
        for entry in entries {
            var record = PolicyStatus.ActionRecord(
                time: now, step: stepName(entry.decision), pod: entry.decision.action?.podName,
                reason: entry.decision.reason, result: entry.result)
            record.evidence = entry.evidence
            // A refusal or a dry run that repeats what the newest entry says is not news.
            if entry.result != "succeeded", let newest = actions.first, newest.step == record.step, newest.pod == record.pod, newest.result == record.result { continue }
            actions.insert(record, at: 0)
        }
        status.lastActions = actions.isEmpty ? nil : Array(actions.prefix(keptActions))
        status.lastAction = status.lastActions?.first.map { "\($0.step)\($0.pod.map { " \($0)" } ?? ""): \($0.result)" }
        status.memory = written(memory)
        status.rehearsal = rehearsal.flatMap(written)
        return status
    }

    /// A history as the status keeps it: without restart samples and `for` timers (observed again after a
    /// restart), and nothing when there is nothing to remember.
    private static func written(_ history: RemediationHistory) -> RemediationHistory? {
        var kept = history
        kept.pods = [:]
        return kept == RemediationHistory() ? nil : kept
    }

    /// The decision's step, or for an action that is no ladder step what it does.
    static func stepName(_ decision: Decision) -> String {
        decision.step?.rawValue ?? decision.action.map(stepName) ?? "none"
    }

    /// The name of an action that is no ladder step: returning to the size from before scaleUp, ending
    /// an isolation, an alert.
    private static func stepName(_ action: Action) -> String {
        switch action {
        case .scale, .setAutoscalerMinimum: return "scaleDown"
        case .release: return "release"
        case .admit: return "admit"
        case .alert: return "alert"
        default: return "action"
        }
    }
}
