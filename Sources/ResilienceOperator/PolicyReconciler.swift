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
import Synchronization

/// Reconciles one policy: plans (``PolicyPlanning``), carries out what the plan allows
/// (``ActionExecutor``), then hands the telling to the ``Notifier`` and the status to the
/// ``StatusWriter``, both off the path. The only API call between a pod going bad and its action is
/// the action itself.
///
/// Policies reconcile in parallel (the queue never hands out one key twice at once). The key is the
/// policy, the unit of what its targets share (the budget, a freeze, the status), but a reconcile plans
/// only the targets that need it: those whose objects changed (``changed(_:target:)``) and those whose
/// timed rule fell due; the others keep their last plans. A reconcile asks to run again at the plan's
/// ``Plan/wakeAt``, the moment a timed rule falls due, and never polls.
public final class PolicyReconciler: Sendable {
    private let caches: OperatorCaches
    private let planning: PolicyPlanning
    private let executor: ActionExecutor
    private let notifier: Notifier
    private let statusWriter: StatusWriter<ContinuousClock>
    private let budget: ClusterBudget?
    private let metrics: OperatorMetrics
    private let finalizer: PolicyFinalizer
    /// Whether this replica still leads: checked before every action (``LeadershipFence``).
    private let leading: @Sendable () -> Bool
    /// By policy: the history and status of the last reconcile. While this replica leads they are newer
    /// than the cache, which may not have seen the last status write yet; a new leader starts from the
    /// memory the status carries.
    private let remembered = Mutex<[ObjectKey: Remembered]>([:])
    /// By policy: the targets (`namespace/name`) whose objects changed since its last reconcile; nil for
    /// every target.
    private let changes = Mutex<[ObjectKey: Set<String>?]>([:])
    /// By policy: the refusals of the last reconcile, so that the Deployment and the pod hear of each
    /// refusal once, when it starts (the policy's Events count every repeat).
    private let refusals = Mutex<[ObjectKey: Set<String>]>([:])
    /// By pod UID: releases made, until the cache shows the pod's gate open. A release is no action the
    /// history records (the pod itself shows it), so a reconcile that runs before the cache has seen it
    /// would release the pod again: client-go's controllers keep such "expectations" too.
    private let releasing = Mutex<[String: Date]>([:])
    /// How long a release waits to be seen before it may be made again.
    static let releaseExpectation: TimeInterval = 30
    /// How soon an alert that still holds is sent again: Alertmanager lets it end 5 minutes after the
    /// last send.
    static let alertResend: TimeInterval = 60
    /// By policy: the alerts firing (by target and condition), and when each was last sent.
    private let firing = Mutex<[ObjectKey: [AlertKey: Date]]>([:])

    /// One alert: a condition of one target.
    private struct AlertKey: Hashable {
        var target: String
        var condition: AlertCondition
    }

    private struct Remembered {
        var uid: String?
        var history: RemediationHistory
        /// In dry run: what it would remember had it acted.
        var rehearsal: RemediationHistory?
        var status: PolicyStatus
        /// Every target's last plan; nil when the policy was not planned (invalid, or no target).
        var targets: [TargetPlan]?
    }

    init(
        caches: OperatorCaches, planning: PolicyPlanning, executor: ActionExecutor, notifier: Notifier, statusWriter: StatusWriter<ContinuousClock>,
        budget: ClusterBudget?, metrics: OperatorMetrics, finalizer: PolicyFinalizer, leading: @escaping @Sendable () -> Bool
    ) {
        self.finalizer = finalizer
        self.leading = leading
        self.caches = caches
        self.planning = planning
        self.executor = executor
        self.notifier = notifier
        self.statusWriter = statusWriter
        self.budget = budget
        self.metrics = metrics
    }

    /// Tells that objects of `target` (`namespace/name`, or every target when nil) changed: the policy's
    /// next reconcile plans it again. Called before the policy is queued.
    public func changed(_ policy: ObjectKey, target: String?) {
        changes.withLock { changes in
            guard let target else { return changes[policy] = .some(nil) }
            if let marked = changes[policy] {
                changes[policy] = marked.map { $0.union([target]) }
            } else {
                changes[policy] = [target]
            }
        }
    }

    public func reconcile(_ key: ObjectKey, context: ReconcileContext) async throws -> ReconcileAction {
        let changed = changes.withLock { $0.removeValue(forKey: key) }
        do {
            return try await reconcile(key, changed: changed ?? [], context: context)
        } catch {
            // Planned again in full at the retry: what changed is not lost.
            self.changed(key, target: nil)
            throw error
        }
    }

    /// Reconciles the policy, planning the targets in `changed` (all when nil) and those due.
    private func reconcile(_ key: ObjectKey, changed: Set<String>?, context: ReconcileContext) async throws -> ReconcileAction {
        // No longer leading: plan nothing, act on nothing (the next term queues every policy again).
        guard leading() else { return .awaitChange }
        guard let policy = caches.policies.store.get(key) else {
            remembered.withLock { $0[key] = nil }
            refusals.withLock { $0[key] = nil }
            firing.withLock { $0[key] = nil }
            metrics.forget(policy: key)
            return .awaitChange
        }
        let logger = context.logger
        let started = ContinuousClock.now
        let now = Date()
        let last = remembered.withLock { $0[key] }.flatMap { $0.uid == policy.metadata.uid ? $0 : nil }
        let real = last?.history ?? policy.status?.memory ?? RemediationHistory()
        // The server's copy of the status was not read in full: said once a term, and written anew below.
        let unreadOnServer = last == nil && !policy.statusProblems.isEmpty
        if unreadOnServer { tellUnread(policy, key: key, logger: logger) }
        if policy.metadata.deletionTimestamp != nil {
            // Deleted: undo what it holds, then let it go (PolicyFinalizer).
            for undone in try await finalizer.release(policy, history: real) {
                logger.info("undone", metadata: ["policy": "\(key)", "action": "\(undone.what)"])
                notifier.record(reference(undone.workload), type: .normal, reason: "ResilienceUndone",
                                action: "Finalize", message: "\(undone.what): policy \(key.name) is deleted")
            }
            return .awaitChange
        }
        try await finalizer.hold(policy)
        let effective = try? EffectivePolicy(policy.spec)
        // A dry run plans from its rehearsal: what it would remember had it acted, starting from what the
        // operator remembers of its real actions.
        let rehearsing = effective?.dryRun == true
        var history = rehearsing ? last?.rehearsal ?? policy.status?.rehearsal ?? real : real
        let previous = last?.status ?? policy.status
        var replanning: Set<String>?
        if let changed, let targets = last?.targets {
            replanning = changed.union(targets.lazy.filter { $0.isDue(at: now) }.map(\.target))
        }
        let report = planning.plan(policy, key: key, history: history, now: now, last: last?.targets ?? [], replanning: replanning)
        var planned: Set<String> = []
        var entries: [StatusBuilder.Entry] = []
        var wakeAt: Date?
        var targets: [TargetPlan]?
        if case .planned(let plan) = report.outcome {
            history = plan.history
            wakeAt = plan.wakeAt
            targets = plan.targets
            planned = Set(plan.decisions.map(\.target))
            metrics.unhealthy(policy: key, pods: plan.targets.reduce(0) { $0 + $1.unhealthy })
            // The target is planned again once the cooldown allows its next action (a failed or refused action
            // may change no object that would plan it), and an alert is sent again while it holds.
            func wake(_ decision: Decision, in seconds: TimeInterval) {
                let moment = now.addingTimeInterval(seconds)
                wakeAt = min(wakeAt ?? moment, moment)
                guard let index = targets?.firstIndex(where: { $0.target == decision.target }) else { return }
                let due = targets?[index].wakeAt ?? moment
                targets?[index].wakeAt = min(due, moment)
            }
            let cooldown = max(1, effective?.cooldown.seconds ?? 1)
            for decision in plan.decisions {
                switch decision.disposition {
                case .execute:
                    let entry = await carryOut(decision, plan: plan, policy: policy, history: &history, since: started, context: context)
                    if let entry { entries.append(entry) }
                    if case .alert = decision.action { wake(decision, in: Self.alertResend) } else { wake(decision, in: cooldown) }
                case .blocked:
                    entries.append(.init(decision: decision, result: "blocked"))
                case .dryRun:
                    entries.append(.init(decision: decision, result: decision.disposition.rawValue))
                    // Remembered as if carried out, so that the rehearsal climbs the ladder as the real run would.
                    history.rehearse(decision, at: now)
                    if case .alert = decision.action {} else { wake(decision, in: cooldown) }
                case .noAction:
                    break
                }
            }
        } else if case .suspended(let admissions) = report.outcome {
            for decision in admissions { _ = await carryOut(decision, plan: nil, policy: policy, history: &history, since: started, context: context) }
        } else {
            event(policy, type: .warning, reason: "PolicyNotReady", action: "Plan", message: report.text)
        }
        if case .planned(let plan) = report.outcome { tellAlerts(plan, planned: planned, policy: policy, now: now) }
        // A refusal is told once, when it starts: in the status and in Events on the policy, the Deployment
        // and the pod. While it lasts, reconciles repeat it in the plan only.
        let newRefusals = announceRefusals(entries, policy: policy, planned: planned)
        entries.removeAll { $0.result == "blocked" && !newRefusals.contains(Self.signature($0)) }
        let status = StatusBuilder.status(
            report, entries: entries, previous: previous, generation: policy.metadata.generation, memory: rehearsing ? real : history,
            rehearsal: rehearsing ? history : nil, policy: effective, unread: caches.unread.map { "\($0.kind)s (\($0.failure))" }, now: now)
        for record in status.lastActions?.prefix(while: { $0.time == now }) ?? [] {
            metrics.action(policy: key, step: record.step, result: record.result)
        }
        let written = last?.status ?? policy.status
        remembered.withLock {
            $0[key] = Remembered(
                uid: policy.metadata.uid, history: rehearsing ? real : history, rehearsal: rehearsing ? history : nil, status: status, targets: targets)
        }
        // A status equal to this term's last one is not written. Against the server's copy (the first
        // reconcile of a term) it is compared as written: dates keep only microseconds on the server. A
        // server's copy that was not read in full is written anew all the same, without what was not read.
        if unreadOnServer {
            await statusWriter.write(status, of: key, uid: policy.metadata.uid)
        } else if status != written {
            let encoder = KubernetesJSON.encoder()
            if try last != nil || written.map({ try encoder.encode($0) }) != encoder.encode(status) {
                await statusWriter.write(status, of: key, uid: policy.metadata.uid)
            }
        }
        guard let wakeAt else { return .awaitChange }
        let delay = wakeAt.timeIntervalSince(Date())
        logger.debug("planning again when a timed rule falls due", metadata: ["in": "\(Int((max(0, delay) * 1000).rounded())) ms"])
        return .requeue(after: .milliseconds(Int64(max(1, (delay * 1000).rounded(.up)))))
    }

    /// Carries out one decision and records it; the status entry, or nil for an alert.
    private func carryOut(
        _ decision: Decision, plan: Plan?, policy: ResiliencePolicy, history: inout RemediationHistory, since started: ContinuousClock.Instant,
        context: ReconcileContext
    ) async -> StatusBuilder.Entry? {
        let logger = context.logger
        guard let action = decision.action, let workload = WorkloadKey(decision.target) else { return nil }
        let namespace = workload.namespace
        let step = StatusBuilder.stepName(decision)
        if case .alert = action {
            // Raised, kept up and resolved with the plan's other alerts (``tellAlerts``).
            return nil
        }
        if case .admit(let pod, _) = action {
            // Housekeeping, not remediation: no Event, no status entry, no budget.
            guard leading() else { return nil }
            if case .failed(let why) = await executor.execute(action, workload: workload, reason: decision.reason) {
                logger.warning("cannot open a new pod's serving gate", metadata: ["pod": "\(namespace)/\(pod)", "error": "\(why)"])
            }
            return nil
        }
        let releases: Bool = if case .release = action { true } else { false }
        if case .release(let name, let uid) = action, !releaseNeeded(uid, pod: name, namespace: namespace) {
            return nil
        }
        if !releases, case .failure(let exhausted) = budget?.take(at: Date()) {
            return .init(decision: decision, result: "blocked", evidence: "\(exhausted)")
        }
        // The pod as last seen, for the evidence: read from the cache, so the action goes first.
        let pod = action.podName.flatMap { caches.pods.store.get(ObjectKey(namespace: namespace, name: $0)) }
        let sent = ContinuousClock.now
        // The disruption starts when the request goes out: a replacement the controller makes before the
        // answer returns (its creationTimestamp in an earlier second, under load) still settles it.
        let sentAt = Date()
        // Only a quarantine needs the labels the pod's Services select it by (a scan of the namespace's Services).
        let quarantines: Bool = if case .isolate(_, _, "quarantine") = action { true } else { false }
        // A rollback holds to the template judged unhealthy: its ReplicaSet (or ControllerRevision), by the
        // UID the plan names.
        var judged: String?
        if case .rollback(_, _, let from) = action {
            judged = caches.revision(of: workload, uid: from)
            if judged == nil {
                return .init(decision: decision, result: "blocked", evidence: "the revision judged unhealthy is gone: the \(workload.kind.rawValue) changed since it was judged")
            }
        }
        // A kind the operator cannot read (RBAC, say) refuses what needs it: writing replicas an HPA it
        // cannot see may own, quarantining by labels of Services it cannot see.
        if let missing = Self.needs(action).first(where: { kind in caches.unread.contains { $0.kind == kind } }) {
            return .init(decision: decision, result: "blocked", evidence: "the operator cannot read \(missing)s (its cache has not synced), which this action needs")
        }
        // The fence: a replica whose leadership ran out (a renewal stalled past its deadline) acts no more,
        // even mid-reconcile, so a successor never acts beside it.
        guard leading() else {
            return .init(decision: decision, result: "blocked", evidence: "this replica no longer leads: not carried out")
        }
        let labels = quarantines ? pod.map(caches.serviceLabels) ?? [] : []
        let executor = executor, reason = decision.reason, judgedName = judged
        // An action under way when the term ends (SIGTERM) is finished, not cut off mid-request: its outcome
        // is then remembered in the status the successor reads.
        let outcome = await Shielded.run(grace: BackgroundQueue.grace) {
            await executor.execute(action, workload: workload, reason: reason, serviceLabels: labels, judged: judgedName)
        }
        let answered = ContinuousClock.now
        let evidence = action.isDisruption ? pod.map { Evidence.of($0, events: caches.warnings(about: $0)) } : nil
        switch outcome {
        case .done(let what):
            // A release is seen in the pod itself (its gate is True again); it is no action to budget.
            if !releases { history.record(decision, at: sentAt, succeeded: true) }
            if releases, let uid = action.podUID { releasing.withLock { $0[uid] = Date() } }
            if let plan, let since = detected(decision, in: plan) {
                metrics.detectionToAction(step: step, seconds: Date().timeIntervalSince(since))
            }
            logger.info("acted", metadata: [
                "policy": "\(namespace)/\(policy.metadata.name ?? "")", "action": "\(what)", "reason": "\(decision.reason)",
                "queuedFor": "\(context.waited)", "plannedIn": "\(sent - started)", "requestTook": "\(answered - sent)",
            ])
            notifier.acted(
                policy: ObjectReference(policy), workload: reference(workload),
                pod: podReference(action, namespace: namespace), evidence: evidence,
                type: action.isDisruption ? .warning : .normal, step: step, what: what, reason: decision.reason)
            return .init(decision: decision, result: "succeeded", evidence: evidence)
        case .unchanged(let why):
            logger.debug("nothing to do", metadata: ["action": "\(action.summary)", "why": "\(why)"])
            return nil
        case .blocked(let why):
            return .init(decision: decision, result: "blocked", evidence: why)
        case .failed(let why):
            history.record(decision, at: Date(), succeeded: false)
            raise(.actionFailed, "\(decision.target): \(step) failed: \(why)", target: decision.target, policy: policy)
            logger.warning("action failed", metadata: ["policy": "\(namespace)/\(policy.metadata.name ?? "")", "error": "\(why)"])
            event(policy, type: .warning, reason: "ActionFailed", action: step, message: "\(why); \(decision.reason)")
            return .init(decision: decision, result: "failed", evidence: evidence)
        }
    }

    /// Raises the plan's alerts that start now, sends again those due (every ``alertResend``), and resolves
    /// those of the targets planned now whose condition no longer holds. An action's failure stays up
    /// until its target has no unhealthy pod left.
    private func tellAlerts(_ plan: Plan, planned: Set<String>, policy: ResiliencePolicy, now: Date) {
        guard let key = ObjectKey(policy.metadata) else { return }
        var raised: [AlertKey: String] = [:]
        for decision in plan.decisions where decision.executes {
            if case .alert(let condition, let summary) = decision.action { raised[AlertKey(target: decision.target, condition: condition)] = summary }
        }
        let healthy = Set(plan.targets.filter { $0.unhealthy == 0 }.map(\.target))
        let (start, resend, ended) = firing.withLock { firing -> ([AlertKey], [AlertKey], [AlertKey]) in
            var mine = firing[key] ?? [:]
            let start = raised.keys.filter { mine[$0] == nil }
            let resend = raised.keys.filter { mine[$0].map { now.timeIntervalSince($0) >= Self.alertResend } ?? false }
            let ended = mine.keys.filter { alert in
                planned.contains(alert.target) && raised[alert] == nil && (alert.condition != .actionFailed || healthy.contains(alert.target))
            }
            for alert in start + resend { mine[alert] = now }
            for alert in ended { mine[alert] = nil }
            firing[key] = mine
            return (start, resend, ended)
        }
        for alert in start { notifier.alert(alert.condition, summary: raised[alert] ?? "", target: alert.target, policy: policy, first: true) }
        for alert in resend { notifier.alert(alert.condition, summary: raised[alert] ?? "", target: alert.target, policy: policy, first: false) }
        for alert in ended { notifier.resolve(alert.condition, target: alert.target, policy: policy) }
    }

    /// Raises an alert outside the plan (an action that failed): once, until it is resolved.
    private func raise(_ condition: AlertCondition, _ summary: String, target: String, policy: ResiliencePolicy) {
        guard let key = ObjectKey(policy.metadata) else { return }
        let alert = AlertKey(target: target, condition: condition)
        let now = Date()
        let (due, first) = firing.withLock { firing -> (Bool, Bool) in
            let last = firing[key]?[alert]
            guard last.map({ now.timeIntervalSince($0) >= Self.alertResend }) ?? true else { return (false, false) }
            firing[key, default: [:]][alert] = now
            return (true, last == nil)
        }
        if due { notifier.alert(condition, summary: summary, target: target, policy: policy, first: first) }
    }

    /// The kinds an action cannot be carried out safely without.
    private static func needs(_ action: Action) -> [String] {
        switch action {
        case .scale, .setAutoscalerMinimum: return [HorizontalPodAutoscaler.kind]
        case .isolate(_, _, "quarantine"): return [Service.kind]
        default: return []
        }
    }

    /// Whether the planned release of the pod is still to be made: not when the cache shows the pod gone
    /// or its gate open already (it changed after planning read it), nor while a release made earlier
    /// has not been seen yet (for at most ``releaseExpectation``). Forgets releases the cache has seen.
    private func releaseNeeded(_ uid: String, pod name: String, namespace: String) -> Bool {
        let cached = caches.pods.store.get(ObjectKey(namespace: namespace, name: name))
        let seen = cached?.metadata.uid != uid || cached?.condition(ActionExecutor.servingGate)?.status == "True"
        return releasing.withLock { releasing in
            releasing = releasing.filter { Date().timeIntervalSince($0.value) < Self.releaseExpectation }
            if seen { releasing[uid] = nil }
            return !seen && releasing[uid] == nil
        }
    }

    /// Tells the policy, the target, and the pod an action was aimed at, of each refusal that was not
    /// there at the last reconcile; the refusals that started now. The refusals of targets not `planned`
    /// now stand as they were.
    private func announceRefusals(_ entries: [StatusBuilder.Entry], policy: ResiliencePolicy, planned: Set<String>) -> Set<String> {
        guard let key = ObjectKey(policy.metadata) else { return [] }
        let before = refusals.withLock { $0[key] ?? [] }
        var now = before.filter { !planned.contains(String($0.prefix { $0 != "|" })) }
        var started: Set<String> = []
        for entry in entries where entry.result == "blocked" {
            let decision = entry.decision
            let step = StatusBuilder.stepName(decision)
            let signature = Self.signature(entry)
            now.insert(signature)
            guard !before.contains(signature) else { continue }
            started.insert(signature)
            guard let workload = WorkloadKey(decision.target) else { continue }
            let why = "\(entry.evidence.map { "\($0); " } ?? "")\(decision.reason)"
            event(policy, type: .warning, reason: "ActionBlocked", action: step, message: why)
            let message = "\(why) (policy \(key.name))"
            notifier.record(reference(workload), type: .warning, reason: "ResilienceActionBlocked", action: step, message: message)
            if let pod = decision.action.flatMap({ podReference($0, namespace: key.namespace) }) {
                notifier.record(pod, type: .warning, reason: "ResilienceActionBlocked", action: step, message: message)
            }
        }
        refusals.withLock { $0[key] = now }
        return started
    }

    /// What makes a refusal the same one: its target, step, pod and the check that refused it.
    private static func signature(_ entry: StatusBuilder.Entry) -> String {
        let decision = entry.decision
        return "\(decision.target)|\(StatusBuilder.stepName(decision))|\(decision.action?.podUID ?? "")|\(decision.blockedBy?.rawValue ?? "refused")"
    }

    /// The target as Events name it, with its UID from the cache.
    private func reference(_ workload: WorkloadKey) -> ObjectReference {
        ObjectReference(apiVersion: "apps/v1", kind: workload.kind.rawValue, namespace: workload.namespace, name: workload.name,
                        uid: caches.uid(of: workload))
    }

    /// The pod a pod action is aimed at, by the UID it was planned for.
    private func podReference(_ action: Action, namespace: String) -> ObjectReference? {
        guard let uid = action.podUID, let name = action.podName else { return nil }
        return ObjectReference(apiVersion: "v1", kind: "Pod", namespace: namespace, name: name, uid: uid)
    }

    /// When the pods a decision answers first counted as unhealthy.
    private func detected(_ decision: Decision, in plan: Plan) -> Date? {
        let verdicts = plan.targets.first { $0.target == decision.target }?.verdicts ?? []
        if let uid = decision.action?.podUID { return verdicts.first { $0.uid == uid }?.since }
        return verdicts.filter { $0.health == .unhealthy }.compactMap(\.since).min()
    }

    /// Says, when a term first reads a policy's memory from its status, what of the status it could not
    /// read: the policy plans without it (budget and cooldowns count only what was read), and its status
    /// is written anew without it.
    private func tellUnread(_ policy: ResiliencePolicy, key: ObjectKey, logger: Logger) {
        let problems = policy.statusProblems
        let named = problems.prefix(3).map(\.description).joined(separator: "; ") + (problems.count > 3 ? "; and \(problems.count - 3) more" : "")
        logger.warning("a policy's status cannot be read in full: what was not read is not remembered", metadata: [
            "policy": "\(key)", "problems": "\(problems.count)", "first": "\(problems[0])",
        ])
        event(policy, type: .warning, reason: "StatusUnreadable", action: "Plan",
              message: "planned without what of the status could not be read (budget and cooldowns count only the rest): \(named)")
    }

    private func event(_ policy: ResiliencePolicy, type: EventRecorder.EventType, reason: String, action: String, message: String) {
        notifier.record(ObjectReference(policy), type: type, reason: reason, action: action, message: message)
    }
}
