#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import ResilienceCore

/// Reconciles one policy: plans from the watch caches and the policy's history, carries out what the plan
/// allows, records Events, and writes the status when it changed.
public actor PolicyReconciler {
    private let client: KubernetesClient
    private let caches: OperatorCaches
    private let executor: ActionExecutor
    private let events: EventRecorder
    private let prober: Prober?
    private let querier: MetricQuerier?
    private let alerts = AlertSender()
    private let logger: Logger
    private var histories: [ObjectKey: RemediationHistory] = [:]

    public init(client: KubernetesClient, caches: OperatorCaches, executor: ActionExecutor, events: EventRecorder, prober: Prober? = nil, querier: MetricQuerier? = nil, logger: Logger) {
        self.prober = prober
        self.querier = querier
        self.client = client
        self.caches = caches
        self.executor = executor
        self.events = events
        self.logger = logger
    }

    /// How soon to look again while something is unsettled: time-based rules (`for`, cooldowns,
    /// stepTimeout, restart windows) change verdicts without any object changing.
    static let recheck: Duration = .seconds(2)

    public func reconcile(_ key: ObjectKey) async throws -> ReconcileAction {
        guard let policy = caches.policies.store.get(key) else {
            histories[key] = nil
            return .awaitChange
        }
        let now = Date()
        var history = histories[key] ?? RemediationHistory()
        var objects = caches.objects(in: key.namespace)
        objects.probes = prober?.samples(in: key.namespace) ?? [:]
        if policy.spec.health?.metrics?.isEmpty == false {
            // Without a Prometheus to ask, every sample is unknown, and onMissing decides.
            let results = querier?.results(for: key) ?? MetricQuerier.Results(errors: Dictionary(
                uniqueKeysWithValues: (policy.spec.health?.metrics ?? []).map { ($0.name, "the operator runs without --prometheus-url") }))
            objects.metrics = results.metrics
            objects.metricErrors = results.errors
        }
        let report = PolicyPlan.make(policy, objects: objects, history: history, now: now)
        var entries: [StatusBuilder.Entry] = []
        let effective = try? EffectivePolicy(policy.spec)
        var unsettled = false
        if case .planned(let plan) = report.outcome {
            history = plan.history
            for decision in plan.decisions {
                switch decision.disposition {
                case .execute:
                    let result = await carryOut(decision, policy: policy, history: &history)
                    if let result { entries.append(.init(decision: decision, result: result)) }
                case .blocked:
                    entries.append(.init(decision: decision, result: "blocked"))
                    await event(policy, type: .warning, reason: "ActionBlocked", action: decision.step?.rawValue ?? "none", message: decision.reason)
                case .dryRun, .suspended:
                    entries.append(.init(decision: decision, result: decision.disposition.rawValue))
                case .noAction:
                    break
                }
            }
            unsettled = !history.episodes.isEmpty || plan.targets.contains { target in
                target.inFlight > 0 || target.verdicts.contains { $0.health == .unhealthy || $0.health == .watching }
            }
        } else {
            await event(policy, type: .warning, reason: "PolicyNotReady", action: "Plan", message: report.text)
        }
        histories[key] = history
        let status = StatusBuilder.status(report, entries: entries, previous: policy.status, generation: policy.metadata.generation, history: history, policy: effective, now: now)
        if status != policy.status {
            try await writeStatus(status, of: key)
        }
        return unsettled ? .requeue(after: Self.recheck) : .awaitChange
    }

    /// Carries out one decision and records it; the status result, or nil for an alert.
    private func carryOut(_ decision: Decision, policy: ResiliencePolicy, history: inout RemediationHistory) async -> String? {
        guard let action = decision.action else { return nil }
        let deployment = String(decision.target.split(separator: "/").last ?? "")
        let namespace = policy.metadata.namespace ?? ""
        if case .alert(let summary) = action {
            await event(policy, type: .warning, reason: "Alert", action: "Alert", message: summary)
            if let url = policy.spec.alerting?.alertmanager?.url, let key = ObjectKey(policy.metadata) {
                do {
                    try await alerts.send(summary: summary, policy: key, target: decision.target, to: url)
                } catch {
                    logger.warning("cannot alert", metadata: ["policy": "\(key)", "alertmanager": "\(url)", "error": "\(error)"])
                    await event(policy, type: .warning, reason: "AlertFailed", action: "Alert", message: "\(error)")
                }
            }
            return nil
        }
        let outcome = await executor.execute(action, namespace: namespace, deployment: deployment, reason: decision.reason)
        let step = decision.step?.rawValue ?? "restoreScale"
        switch outcome {
        case .done(let what):
            history.record(decision, at: Date(), succeeded: true)
            logger.info("acted", metadata: ["policy": "\(namespace)/\(policy.metadata.name ?? "")", "action": "\(what)", "reason": "\(decision.reason)"])
            await event(policy, type: .normal, reason: "ActionSucceeded", action: step, message: "\(what): \(decision.reason)")
            if let uid = action.podUID, case .restartPod(let pod, _, _) = action {
                await events.record(ObjectReference(apiVersion: "v1", kind: "Pod", namespace: namespace, name: pod, uid: uid), type: .warning, reason: "Restarted", action: step, message: decision.reason)
            }
            return "succeeded"
        case .blocked(let why):
            await event(policy, type: .warning, reason: "ActionBlocked", action: step, message: "\(why); \(decision.reason)")
            return "blocked"
        case .failed(let why):
            history.record(decision, at: Date(), succeeded: false)
            logger.warning("action failed", metadata: ["policy": "\(namespace)/\(policy.metadata.name ?? "")", "error": "\(why)"])
            await event(policy, type: .warning, reason: "ActionFailed", action: step, message: "\(why); \(decision.reason)")
            return "failed"
        }
    }

    private func event(_ policy: ResiliencePolicy, type: EventRecorder.EventType, reason: String, action: String, message: String) async {
        await events.record(ObjectReference(policy), type: type, reason: reason, action: action, message: message)
    }

    private func writeStatus(_ status: PolicyStatus, of key: ObjectKey) async throws {
        struct Body: Encodable { var status: PolicyStatus }
        let patch = try KubernetesJSON.encoder().encode(Body(status: status))
        do {
            _ = try await client.patch(ResiliencePolicy.self, name: key.name, namespace: key.namespace, .merge(Array(patch)), subresource: "status")
        } catch let error as KubernetesError where error.reason == .notFound {
            return
        }
    }
}
