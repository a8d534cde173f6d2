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
    private let webhooks: WebhookSender
    /// When each alert last went to the webhooks, which do not deduplicate as Alertmanager does.
    private var webhookSent: [String: Date] = [:]
    /// How long an alert that keeps firing waits before it goes to the webhooks again.
    static let webhookRepeat: TimeInterval = 15 * 60
    private let budget: ClusterBudget?
    private let metrics: OperatorMetrics
    private let logger: Logger
    /// By policy: the history and status of the last reconcile. While this replica leads they are newer
    /// than the cache, which may not have seen the last status write yet; a new leader starts from the
    /// memory the status carries.
    private var remembered: [ObjectKey: Remembered] = [:]
    /// By policy: the refusals of the last reconcile, so that the Deployment and the pod hear of each
    /// refusal once, when it starts (the policy's Events count every repeat).
    private var refusals: [ObjectKey: Set<String>] = [:]

    private struct Remembered {
        var uid: String?
        var history: RemediationHistory
        var status: PolicyStatus
    }

    init(
        client: KubernetesClient, caches: OperatorCaches, executor: ActionExecutor, events: EventRecorder, prober: Prober?,
        querier: MetricQuerier?, budget: ClusterBudget?, metrics: OperatorMetrics, logger: Logger
    ) {
        self.budget = budget
        self.metrics = metrics
        self.webhooks = WebhookSender(client: client)
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
            remembered[key] = nil
            refusals[key] = nil
            metrics.forget(policy: key)
            return .awaitChange
        }
        let now = Date()
        let last = remembered[key].flatMap { $0.uid == policy.metadata.uid ? $0 : nil }
        var history = last?.history ?? policy.status?.memory ?? RemediationHistory()
        let previous = last?.status ?? policy.status
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
            metrics.unhealthy(policy: key, pods: plan.targets.reduce(0) { $0 + $1.unhealthy })
            for decision in plan.decisions {
                switch decision.disposition {
                case .execute:
                    if let entry = await carryOut(decision, plan: plan, policy: policy, history: &history) { entries.append(entry) }
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
        await announceRefusals(entries, policy: key)
        let status = StatusBuilder.status(report, entries: entries, previous: previous, generation: policy.metadata.generation, history: history, policy: effective, now: now)
        for record in status.lastActions?.prefix(while: { $0.time == now }) ?? [] {
            metrics.action(policy: key, step: record.step, result: record.result)
        }
        remembered[key] = Remembered(uid: policy.metadata.uid, history: history, status: status)
        // Compared as written: dates keep microseconds on the server.
        let encoder = KubernetesJSON.encoder()
        if try encoder.encode(status) != (try policy.status.map { try encoder.encode($0) }) {
            try await writeStatus(status, of: key)
        }
        return unsettled ? .requeue(after: Self.recheck) : .awaitChange
    }

    /// Carries out one decision and records it; the status entry, or nil for an alert.
    private func carryOut(_ decision: Decision, plan: Plan, policy: ResiliencePolicy, history: inout RemediationHistory) async -> StatusBuilder.Entry? {
        guard let action = decision.action else { return nil }
        let deployment = String(decision.target.split(separator: "/").last ?? "")
        let namespace = policy.metadata.namespace ?? ""
        let step = StatusBuilder.stepName(decision)
        if case .alert(let summary) = action {
            await alert(summary, decision: decision, policy: policy)
            return nil
        }
        if case .admit(let pod, _) = action {
            // Housekeeping, not remediation: no Event, no status entry, no budget.
            if case .failed(let why) = await executor.execute(action, namespace: namespace, deployment: deployment, reason: decision.reason) {
                logger.warning("cannot open a new pod's serving gate", metadata: ["pod": "\(namespace)/\(pod)", "error": "\(why)"])
            }
            return nil
        }
        let releases: Bool = if case .release = action { true } else { false }
        if !releases, case .failure(let exhausted) = budget?.take(at: Date()) {
            await event(policy, type: .warning, reason: "ActionBlocked", action: step, message: "\(exhausted); \(decision.reason)")
            return .init(decision: decision, result: "blocked", evidence: "\(exhausted)")
        }
        let evidence = await evidence(for: action, namespace: namespace)
        let pod = action.podName.flatMap { caches.pods.store.get(ObjectKey(namespace: namespace, name: $0)) }
        let outcome = await executor.execute(action, namespace: namespace, deployment: deployment, reason: decision.reason,
                                             serviceLabels: pod.map(caches.serviceLabels) ?? [])
        let said = evidence.map { " Evidence: \($0)" } ?? ""
        switch outcome {
        case .done(let what):
            // A release is seen in the pod itself (its gate is True again); it is no action to budget.
            if !releases { history.record(decision, at: Date(), succeeded: true) }
            logger.info("acted", metadata: ["policy": "\(namespace)/\(policy.metadata.name ?? "")", "action": "\(what)", "reason": "\(decision.reason)"])
            if let since = detected(decision, in: plan) {
                metrics.detectionToAction(step: step, seconds: Date().timeIntervalSince(since))
            }
            await event(policy, type: .normal, reason: "ActionSucceeded", action: step, message: "\(what): \(decision.reason)\(said)")
            await events.record(deploymentReference(namespace: namespace, name: deployment), type: action.isDisruption ? .warning : .normal,
                                reason: "Resilience\(step.prefix(1).uppercased())\(step.dropFirst())", action: step, message: "\(what): \(decision.reason)")
            if let pod = podReference(action, namespace: namespace) {
                await events.record(pod, type: .warning, reason: ["isolate": "Isolated", "release": "Released"][step] ?? "Restarted", action: step, message: "\(decision.reason)\(said)")
            }
            return .init(decision: decision, result: "succeeded", evidence: evidence)
        case .blocked(let why):
            await event(policy, type: .warning, reason: "ActionBlocked", action: step, message: "\(why); \(decision.reason)")
            return .init(decision: decision, result: "blocked", evidence: why)
        case .failed(let why):
            history.record(decision, at: Date(), succeeded: false)
            logger.warning("action failed", metadata: ["policy": "\(namespace)/\(policy.metadata.name ?? "")", "error": "\(why)"])
            await event(policy, type: .warning, reason: "ActionFailed", action: step, message: "\(why); \(decision.reason)")
            return .init(decision: decision, result: "failed", evidence: evidence)
        }
    }

    private func alert(_ summary: String, decision: Decision, policy: ResiliencePolicy) async {
        await event(policy, type: .warning, reason: "Alert", action: "Alert", message: summary)
        guard let key = ObjectKey(policy.metadata) else { return }
        if let url = policy.spec.alerting?.alertmanager?.url {
            do {
                try await alerts.send(summary: summary, policy: key, target: decision.target, to: url)
            } catch {
                logger.warning("cannot alert", metadata: ["policy": "\(key)", "alertmanager": "\(url)", "error": "\(error)"])
                await event(policy, type: .warning, reason: "AlertFailed", action: "Alert", message: "\(error)")
            }
        }
        if let hooks = policy.spec.alerting?.webhooks, !hooks.isEmpty {
            // The same alert (numbers aside) goes out again only after webhookRepeat.
            let signature = "\(key)|\(decision.target)|\(summary.filter { !$0.isNumber })"
            let now = Date()
            webhookSent = webhookSent.filter { now.timeIntervalSince($0.value) < Self.webhookRepeat }
            guard webhookSent[signature] == nil else { return }
            webhookSent[signature] = now
            for failure in await webhooks.send(summary: summary, policy: key, target: decision.target, webhooks: hooks, now: now) {
                logger.warning("cannot alert", metadata: ["policy": "\(key)", "error": "\(failure)"])
                await event(policy, type: .warning, reason: "AlertFailed", action: "Alert", message: "\(failure)")
            }
        }
    }

    /// Tells the Deployment, and the pod an action was aimed at, of each refusal that was not there at the
    /// last reconcile.
    private func announceRefusals(_ entries: [StatusBuilder.Entry], policy: ObjectKey) async {
        var now: Set<String> = []
        for entry in entries where entry.result == "blocked" {
            let decision = entry.decision
            let step = StatusBuilder.stepName(decision)
            let signature = "\(decision.target)|\(step)|\(decision.action?.podUID ?? "")"
            now.insert(signature)
            guard refusals[policy]?.contains(signature) != true else { continue }
            let deployment = String(decision.target.split(separator: "/").last ?? "")
            let message = "\(entry.evidence.map { "\($0); " } ?? "")\(decision.reason) (policy \(policy.name))"
            await events.record(deploymentReference(namespace: policy.namespace, name: deployment), type: .warning, reason: "ResilienceActionBlocked", action: step, message: message)
            if let pod = decision.action.flatMap({ podReference($0, namespace: policy.namespace) }) {
                await events.record(pod, type: .warning, reason: "ResilienceActionBlocked", action: step, message: message)
            }
        }
        refusals[policy] = now
    }

    private func deploymentReference(namespace: String, name: String) -> ObjectReference {
        ObjectReference(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: name,
                        uid: caches.deployments.store.get(ObjectKey(namespace: namespace, name: name))?.metadata.uid)
    }

    /// The pod a pod action is aimed at, by the UID it was planned for.
    private func podReference(_ action: Action, namespace: String) -> ObjectReference? {
        guard let uid = action.podUID, let name = action.podName else { return nil }
        return ObjectReference(apiVersion: "v1", kind: "Pod", namespace: namespace, name: name, uid: uid)
    }

    /// The pod's state and recent Events, read before a step that removes or isolates it (none else).
    private func evidence(for action: Action, namespace: String) async -> String? {
        guard action.isDisruption, let name = action.podName, let pod = caches.pods.store.get(ObjectKey(namespace: namespace, name: name)) else { return nil }
        var options = ListOptions()
        options.fieldSelector = "involvedObject.kind=Pod,involvedObject.name=\(name)"
        var events: [Event] = []
        do {
            events = try await client.list(Event.self, namespace: namespace, options: options).items
        } catch {
            logger.warning("cannot read a pod's Events for the evidence", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
        }
        return Evidence.of(pod, events: events.filter { $0.involvedObject.uid == nil || $0.involvedObject.uid == pod.metadata.uid })
    }

    /// When the pods a decision answers first counted as unhealthy.
    private func detected(_ decision: Decision, in plan: Plan) -> Date? {
        let verdicts = plan.targets.first { $0.target == decision.target }?.verdicts ?? []
        if let uid = decision.action?.podUID { return verdicts.first { $0.uid == uid }?.since }
        return verdicts.filter { $0.health == .unhealthy }.compactMap(\.since).min()
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
