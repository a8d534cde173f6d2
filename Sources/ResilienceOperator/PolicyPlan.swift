#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import ResilienceCore

/// One policy's plan, or why it has none, for `plan` and for status.
public struct PolicyPlan: Sendable {
    /// `namespace/name`.
    public var policy: String
    public var outcome: Outcome
    /// The targets the policy names or selects but leaves to an older policy, and why.
    public var overlaps: [String]
    /// What of the policy's status could not be read (``ResiliencePolicy/statusProblems``), when the plan
    /// was made from the memory the status carries: the plan counts only the rest.
    public var unreadStatus: [ValidationProblem] = []

    public init(policy: String, outcome: Outcome, overlaps: [String] = []) {
        self.policy = policy
        self.outcome = outcome
        self.overlaps = overlaps
    }

    /// What planning the policy gave.
    public enum Outcome: Sendable {
        case planned(Plan)
        /// The spec is invalid: every problem, with its field.
        case invalid([ValidationProblem])
        /// The target does not exist.
        case targetMissing(String)
        /// `spec.suspend`: nothing is judged, probed, queried or done, but the serving gates of new pods
        /// that declare it are opened (these decisions), or they would stall every rollout.
        case suspended([Decision])
    }

    /// Plans `policy` against what `source` holds of its targets, with the policy's metric results, as the
    /// operator would now, from `history`. With `replanning`, only the targets it names are observed and
    /// planned, and the others keep their plans in `last` (see ``Planner``); without, every target is.
    public static func make(
        _ policy: ResiliencePolicy, source: some TargetSource, metrics: [String: [String: MetricSample]] = [:], metricErrors: [String: String] = [:],
        alertHold: AlertHoldReading? = nil, freeze: String? = nil, zones: ZoneDatabase = .shared,
        history: RemediationHistory, now: Date, last: [TargetPlan] = [], replanning: Set<String>? = nil
    ) -> PolicyPlan {
        let name = "\(policy.metadata.namespace ?? "")/\(policy.metadata.name ?? "")"
        if let problem = policy.decodingProblem {
            return PolicyPlan(policy: name, outcome: .invalid([problem]))
        }
        let effective: EffectivePolicy
        do {
            effective = try EffectivePolicy(policy.spec)
        } catch {
            return PolicyPlan(policy: name, outcome: .invalid(error.problems))
        }
        let windowZones: [String: ZoneRules]
        switch zones.zones(for: effective.windows) {
        case .success(let found): windowZones = found
        case .failure(let list): return PolicyPlan(policy: name, outcome: .invalid(list.problems))
        }
        if effective.suspend {
            let targets = (try? TargetResolver.targets(of: policy, in: source).get())?.targets ?? []
            return PolicyPlan(policy: name, outcome: .suspended(Planner.admissions(targets)))
        }
        switch TargetResolver.targets(of: policy, in: source, metrics: metrics, metricErrors: metricErrors, observing: replanning) {
        case .failure(let missing):
            return PolicyPlan(policy: name, outcome: .targetMissing(missing.reason))
        case .success(let resolved) where resolved.owned.isEmpty:
            return PolicyPlan(policy: name, outcome: .targetMissing("every target it protects is protected by an older policy"), overlaps: resolved.overlaps)
        case .success(let resolved):
            let targets = resolved.targets
            let owned = resolved.owned
            let unchanged = replanning.map { names in last.filter { !names.contains($0.target) && owned.contains($0.target) } } ?? []
            let replaced = replanning.map { names in last.filter { names.contains($0.target) || !owned.contains($0.target) } } ?? []
            // Until the first reading, the source is as good as unreadable: onMissing decides.
            let alerting = effective.holdWhileAlerts.flatMap { hold in
                (alertHold ?? AlertHoldReading(source: hold.alertmanager.map { "Alertmanager \($0)" } ?? "Prometheus ALERTS", error: "not read yet"))
                    .holdReason(freezesOnMissing: hold.freezesOnMissing)
                    .map { PolicyHold(check: .alertHold, reason: $0) }
            }
            let windows = PolicyHold.windows(effective.windows, zones: windowZones, now: now)
            // The operator's freeze first, then the windows, then the alerts: the first that holds is told.
            let hold = freeze.map { PolicyHold(check: .freeze, reason: "the operator is frozen: \($0); no action until it is lifted") } ?? windows.hold ?? alerting
            let plan = Planner.plan(policy: effective, targets: targets, unchanged: unchanged, replaced: replaced, hold: hold,
                                    holdChangesAt: windows.changesAt, history: history, now: now)
            return PolicyPlan(policy: name, outcome: .planned(plan), overlaps: resolved.overlaps)
        }
    }

    /// The plan in words: each pod's verdict, then each decision with its reason.
    public var text: String {
        var lines = ["policy \(policy)"] + overlaps.map { "  overlap: \($0)" }
            + unreadStatus.map { "  status not read, so not remembered: \($0)" }
        switch outcome {
        case .invalid(let problems):
            lines.append("  invalid: nothing is judged or done until these are fixed")
            lines += problems.map { "    \($0)" }
        case .targetMissing(let reason):
            lines.append("  target missing: \(reason); nothing to do until it appears")
        case .suspended:
            lines.append("  suspended (spec.suspend): nothing is judged or done until it is false again")
        case .planned(let plan):
            for target in plan.targets {
                let named = WorkloadKey(target.target).map { "\($0.kind.rawValue.lowercased()) \($0.namespace)/\($0.name)" } ?? target.target
                lines.append("  \(named): \(target.healthy) of \(target.desired) healthy, \(target.unhealthy) unhealthy, \(target.inFlight) in flight")
                for verdict in target.verdicts {
                    lines.append("    pod \(verdict.pod): \(verdict.health.rawValue)\(verdict.findings.isEmpty ? "" : " - \(verdict.summary)")")
                }
            }
            lines.append("  decisions:")
            for decision in plan.decisions {
                let what = decision.action.map { "\($0.summary) [\(decision.disposition.rawValue)]" } ?? "no action"
                lines.append("    \(what): \(decision.reason)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The plan as JSON: verdicts and decisions as the core types encode them.
    public func json() throws -> String {
        struct Report: Encodable {
            var policy: String
            var unreadStatus: [String]?
            var invalid: [String]?
            var targetMissing: String?
            var suspended: Bool?
            var targets: [Target]?
            var decisions: [Decision]?
        }
        struct Target: Encodable {
            var target: String
            var desired: Int
            var healthy: Int
            var unhealthy: Int
            var inFlight: Int
            var verdicts: [PodVerdict]
        }
        var report = Report(policy: policy, unreadStatus: unreadStatus.isEmpty ? nil : unreadStatus.map(\.description))
        switch outcome {
        case .invalid(let problems): report.invalid = problems.map(\.description)
        case .targetMissing(let reason): report.targetMissing = reason
        case .suspended: report.suspended = true
        case .planned(let plan):
            report.targets = plan.targets.map {
                Target(target: $0.target, desired: $0.desired, healthy: $0.healthy, unhealthy: $0.unhealthy, inFlight: $0.inFlight, verdicts: $0.verdicts)
            }
            report.decisions = plan.decisions
        }
        let encoder = KubernetesJSON.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
