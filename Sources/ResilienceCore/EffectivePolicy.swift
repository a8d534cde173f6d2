#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A policy's spec, validated and read into typed values, with the CRD's defaults for every field left
/// out (so a policy behaves the same whether or not the API server defaulted it).
public struct EffectivePolicy: Sendable, Equatable {
    public var dryRun: Bool
    public var suspend: Bool
    public var health: Health
    public var ladder: [RecoveryStep]
    public var stepTimeout: PolicyDuration
    /// Evict (honours PodDisruptionBudgets) rather than delete.
    public var evicts: Bool
    /// `readinessGate` or `quarantine`.
    public var isolation: String
    public var maxSurge: Int?
    /// On a GitOps-managed Deployment, make the rollout restarts and replica changes a sync keeps
    /// (`gitOps: act`) rather than refuse them and alert (`alert`, the default).
    public var gitOpsActs: Bool
    /// At most `count` actions within `window`; nil when the policy sets no budget.
    public var budget: Budget?
    public var maxInFlight: Int
    public var cooldown: PolicyDuration
    public var minHealthy: Threshold
    public var maxUnhealthy: Threshold
    /// Alerts that hold every action while they fire; nil when the policy names none.
    public var holdWhileAlerts: AlertHold?
    /// When actions are allowed or denied.
    public var windows: [MaintenanceWindow]

    /// Alerts that hold every action while they fire.
    public struct AlertHold: Sendable, Equatable {
        /// Each: labels an alert must all carry.
        public var alerts: [[String: String]]
        /// The Alertmanager to read; nil: Prometheus's `ALERTS`.
        public var alertmanager: String?
        /// Hold when the source cannot be read (`onMissing: freeze`, the default).
        public var freezesOnMissing: Bool
    }

    /// An action budget.
    public struct Budget: Sendable, Equatable {
        public var count: Int
        public var window: PolicyDuration
    }

    /// How a pod is judged.
    public struct Health: Sendable, Equatable {
        public var notReadyFor: PolicyDuration?
        public var restarts: RestartLimit?
        public var waitingReasons: Set<String>
        public var terminatedReasons: Set<String>
        public var pendingFor: PolicyDuration?
        public var probe: Probe?
        public var metrics: [Metric]
        /// How long a rule must hold before the pod counts as unhealthy.
        public var holdFor: PolicyDuration
    }

    /// More than `limit` restarts within `window`.
    public struct RestartLimit: Sendable, Equatable {
        public var limit: Int
        public var window: PolicyDuration
    }

    /// The active probe's settings.
    public struct Probe: Sendable, Equatable {
        public var failureThreshold: Int
        public var period: PolicyDuration
        public var timeout: PolicyDuration
        /// A result older than this is stale: two periods and a timeout.
        public var staleAfter: TimeInterval { 2 * period.seconds + timeout.seconds }
    }

    /// One metric rule.
    public struct Metric: Sendable, Equatable {
        public var name: String
        public var above: Double?
        public var below: Double?
        public var deviationFromPeers: Double?
        public var onMissing: OnMissing
    }

    /// What a missing or stale metric sample leads to.
    public enum OnMissing: String, Sendable {
        /// The rule says nothing about the pod; the verdict lists the sample as unknown.
        case ignore
        /// The rule holds.
        case unhealthy
        /// Every action of the policy stops until the sample is back.
        case freeze
    }

    /// A metric sample older than this is stale.
    public static let metricStaleAfter: TimeInterval = 120
    /// Remediation episodes of one Deployment within ``loopWindow`` that trip the loop breaker.
    public static let loopEpisodes = 3

    /// The window in which ``loopEpisodes`` episodes trip the loop breaker: an hour, or the budget's
    /// window when that is longer.
    public var loopWindow: TimeInterval { max(3600, budget?.window.seconds ?? 0) }

    /// The policy that invalid specs are refused with: every problem, with its field.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var problems: [ValidationProblem]
        public var description: String { problems.map(\.description).joined(separator: "; ") }
    }

    /// Reads `spec`, or throws every problem ``PolicyValidator`` finds.
    public init(_ spec: PolicySpec) throws(Invalid) {
        let problems = PolicyValidator.validate(spec)
        guard problems.isEmpty else { throw Invalid(problems: problems) }
        let health = spec.health ?? HealthRules()
        let recovery = spec.recovery ?? RecoveryPolicy()
        let safety = spec.safety ?? SafetyLimits()
        dryRun = spec.dryRun ?? false
        suspend = spec.suspend ?? false
        self.health = Health(
            notReadyFor: health.notReadyFor.flatMap(PolicyDuration.init),
            restarts: health.restarts.flatMap { rule in PolicyDuration(rule.window).map { RestartLimit(limit: rule.limit, window: $0) } },
            waitingReasons: Set(health.waitingReasons ?? []),
            terminatedReasons: Set(health.terminatedReasons ?? []),
            pendingFor: health.pendingFor.flatMap(PolicyDuration.init),
            probe: health.probe.map { probe in
                Probe(
                    failureThreshold: probe.failureThreshold ?? 3,
                    period: probe.period.flatMap(PolicyDuration.init) ?? PolicyDuration(text: "10s", milliseconds: 10_000),
                    timeout: probe.timeout.flatMap(PolicyDuration.init) ?? PolicyDuration(text: "1s", milliseconds: 1000))
            },
            metrics: (health.metrics ?? []).map { rule in
                Metric(
                    name: rule.name, above: rule.above, below: rule.below, deviationFromPeers: rule.deviationFromPeers,
                    onMissing: rule.onMissing.flatMap(OnMissing.init(rawValue:)) ?? .ignore)
            },
            holdFor: health.for.flatMap(PolicyDuration.init) ?? PolicyDuration(text: "0s", milliseconds: 0))
        ladder = (recovery.steps ?? ["restartPod"]).compactMap(RecoveryStep.init(rawValue:))
        stepTimeout = recovery.stepTimeout.flatMap(PolicyDuration.init) ?? PolicyDuration(text: "2m", milliseconds: 120_000)
        evicts = (recovery.podRestart ?? "evict") == "evict"
        isolation = recovery.isolation ?? "readinessGate"
        maxSurge = recovery.scaleUp?.maxSurge
        gitOpsActs = recovery.gitOps == "act"
        budget = safety.maxActions.flatMap { budget in PolicyDuration(budget.window).map { Budget(count: budget.count, window: $0) } }
        maxInFlight = safety.maxInFlight ?? 1
        cooldown = safety.cooldown.flatMap(PolicyDuration.init) ?? PolicyDuration(text: "2m", milliseconds: 120_000)
        minHealthy = safety.minHealthy.flatMap(Threshold.init) ?? .percent(50)
        maxUnhealthy = safety.maxUnhealthy.flatMap(Threshold.init) ?? .percent(40)
        windows = (safety.windows ?? []).enumerated().compactMap { index, window in
            guard let schedule = try? CronSchedule(window.schedule), let duration = PolicyDuration(window.duration) else { return nil }
            return MaintenanceWindow(schedule: schedule, duration: duration, timeZone: window.timeZone ?? "UTC", allows: window.type == "allow",
                                     field: "spec.safety.windows[\(index)]")
        }
        holdWhileAlerts = safety.holdWhileAlerts.map { hold in
            AlertHold(alerts: hold.alerts, alertmanager: hold.alertmanager?.url, freezesOnMissing: (hold.onMissing ?? "freeze") == "freeze")
        }
    }
}
