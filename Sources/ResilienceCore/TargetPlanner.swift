#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// Plans one target (a Deployment or a StatefulSet): settles earlier actions, judges the pods, moves the episode along the
/// ladder, and passes every action through the safety gate.
struct TargetPlanner {
    let target: TargetObservation
    let key: String
    let policy: EffectivePolicy
    let now: Date
    /// The shared history, lent by ``observe(_:)`` and ``run(frozen:budget:history:)`` for their duration
    /// (swapped in, not copied: targets share one history, and copies would cost a copy per target).
    private var history: RemediationHistory
    private(set) var memory: [String: RemediationHistory.PodMemory] = [:]
    private(set) var decisions: [Decision] = []
    private(set) var verdicts: [PodVerdict] = []
    private let rollout: Rollout
    /// By UID: the pod's place in the target's pods (a pod is a large value; an index is not).
    private let podIndex: [String: Int]
    private var remediating: Set<String> = []
    /// Isolated pods whose containers have been Ready again for the whole `for`: their isolation ends.
    private var releases: [Candidate] = []
    private var inFlight = 0
    /// The names of the restarted pods among the in-flight disruptions (a StatefulSet's quorum reads their
    /// ordinals).
    private var inFlightRestarts: [String] = []
    /// By UID, the pods that hold an in-flight disruption's place: the disrupted pod while it is still
    /// there, or a replacement created after it that is not Ready yet. One that is unhealthy is counted
    /// once in ``down``, not as a second pod.
    private var standIns: Set<String> = []
    /// When this target's plan changes with time alone.
    private(set) var wake: WakeTime

    init(target: TargetObservation, key: String, policy: EffectivePolicy, now: Date) {
        self.target = target
        self.key = key
        self.policy = policy
        self.history = RemediationHistory()
        self.now = now
        wake = WakeTime(now: now)
        rollout = Rollout(target)
        podIndex = Dictionary(target.pods.indices.map { (target.pods[$0].metadata.uid ?? target.pods[$0].metadata.name ?? "", $0) }) { first, _ in first }
    }

    /// Settles earlier actions and judges the pods, with the history that every target shares.
    mutating func observe(_ shared: inout RemediationHistory) {
        swap(&history, &shared)
        defer { swap(&history, &shared) }
        settle()
        let judged = HealthJudge.judge(target, policy: policy, memory: history.pods, remediating: remediating, now: now)
        verdicts = judged.verdicts
        unhealthy = verdicts.filter { $0.health == .unhealthy }.sorted { ($0.since ?? now, $0.pod) < ($1.since ?? now, $1.pod) }
        healthyCount = verdicts.reduce(0) { $0 + ($1.health == .healthy ? 1 : 0) }
        knownHealthyCount = verdicts.reduce(0) { $0 + ($1.isKnownHealthy ? 1 : 0) }
        memory = judged.memory
        wake.merge(judged.wake)
    }

    /// A missing sample whose rule says `freeze`, in words, if this target has one.
    var freeze: String? {
        guard let verdict = verdicts.first(where: { $0.freeze != nil }), let freeze = verdict.freeze else { return nil }
        return "\(key) pod \(verdict.pod): \(freeze)"
    }

    /// The unhealthy pods' verdicts, longest unhealthy first; set with the verdicts.
    private var unhealthy: [PodVerdict] = []

    /// How many pods are healthy; set with the verdicts.
    private var healthyCount = 0

    /// How many pods are healthy with every sample known: only these count toward minHealthy.
    private var knownHealthyCount = 0

    /// Pods unhealthy or disrupted and not yet replaced, each counted once.
    private var down: Int {
        unhealthy.count + inFlight - min(inFlight, unhealthy.lazy.filter { standIns.contains($0.uid) }.count)
    }

    /// The replicas the shares are computed from: the Deployment's own, not what the operator added.
    private var desired = 0

    var summary: TargetPlan {
        TargetPlan(
            target: key, verdicts: verdicts, desired: desired, healthy: healthyCount, unhealthy: unhealthy.count, inFlight: inFlight, down: down,
            decisions: decisions, freeze: freeze, wakeAt: wake.earliest,
            revisions: target.replicaSets.compactMap(\.metadata.uid) + target.controllerRevisions.compactMap(\.metadata.uid))
    }

    // MARK: Planning

    /// Plans the target's actions, with the history that every target shares. `frozen` and `hold` halt
    /// every action of the policy.
    mutating func run(frozen: String?, hold: PolicyHold? = nil, budget: inout BudgetLedger, history shared: inout RemediationHistory) {
        swap(&history, &shared)
        defer { swap(&history, &shared) }
        forgetScalingChangedByOthers()
        if let scaled = history.scaledFrom[key], scaled.autoscaler == nil {
            desired = scaled.replicas
        } else {
            desired = target.workload.replicas
        }
        rememberHealthyRevision()
        let actionable = unhealthy
        var gate = makeGate()
        if let frozen {
            gate.halt = (.frozen, "frozen: \(frozen); no action until the sample is back")
            // The target whose sample is missing says so; the others it halts are only halted.
            if let own = freeze { alert(.frozen, "\(key): frozen: \(own); no action on any target of the policy until the sample is back", gate: gate) }
        } else if let hold {
            gate.halt = (hold.check, "held: \(hold.reason)")
        } else if down > policy.maxUnhealthy.atMost(of: desired) {
            let reason = "\(down) of \(desired) pods down (\(actionable.count) unhealthy, \(inFlight) disruptions not yet replaced) exceed maxUnhealthy \(policy.maxUnhealthy) (at most \(policy.maxUnhealthy.atMost(of: desired)) pods): the failure looks systemic, so the operator only alerts"
            gate.halt = (.maxUnhealthy, reason)
            alert(.shortCircuit, "\(key): \(reason)", gate: gate)
        }
        var episode = openEpisode(actionable: actionable)
        if gate.halt == nil, let loop = loopBreaker(episode) {
            gate.halt = (.loopBreaker, loop)
            alert(.loopBreaker, "\(key): \(loop)", gate: gate)
        }
        if rollout.paused {
            gate.rolloutOnly = "the Deployment is paused"
        } else if rollout.inProgress {
            gate.rolloutOnly = "a rollout is in progress (\(rollout.progress))"
        }
        if var open = episode {
            let before = decisions.count
            for candidate in ladderCandidates(episode: &open, actionable: actionable) {
                admit(candidate, gate: &gate, budget: &budget)
            }
            if gate.rolloutOnly != nil, let rollback = rollbackDuringRollout(episode: &open, actionable: actionable) {
                admit(rollback, gate: &gate, budget: &budget)
            }
            alertLeftToGit(open, actionable: actionable, gate: gate)
            alertIfStuck(decisions[before...].filter { $0.action != nil }, actionable: actionable, gate: gate)
            episode = open
        }
        history.episodes[key] = episode
        for release in releases + newlyGated() {
            admit(release, gate: &gate, budget: &budget)
        }
        if let restore = restoreScale(actionable: actionable) {
            admit(restore, gate: &gate, budget: &budget)
        }
        if decisions.isEmpty {
            decisions.append(Decision(target: key, action: nil, disposition: .noAction, reason: quietReason()))
        }
    }

    private mutating func makeGate() -> SafetyGate {
        let lastAction = history.actions.last { $0.target == key }?.time
        wake.at(lastAction?.addingTimeInterval(policy.cooldown.seconds))
        return SafetyGate(
            policy: policy, now: now, halt: nil, rolloutOnly: nil, lastActionAt: lastAction, inFlight: inFlight,
            healthy: knownHealthyCount, unknown: healthyCount - knownHealthyCount, minHealthyPods: policy.minHealthy.atLeast(of: desired),
            rolloutDisruption: rolloutDisruption(), disruptionsLeft: [:], budgets: target.disruptionBudgets,
            quorum: target.isStatefulSet ? target.pods.filter { !$0.isReady }.map { ($0.metadata.uid ?? "", $0.metadata.name ?? "") } : nil,
            inFlightRestarts: inFlightRestarts, orderedReady: target.workload.statefulSet.map { $0.spec?.podManagementPolicy != "Parallel" } ?? false)
    }

    private mutating func admit(_ candidate: Candidate, gate: inout SafetyGate, budget: inout BudgetLedger) {
        let (disposition, check, note) = gate.admit(candidate.action, step: candidate.step, pod: candidate.pod, healthyRemoved: candidate.healthyRemoved, budget: &budget)
        let reason = note.map { "\(candidate.reason); \(disposition == .blocked ? "blocked: " : "")\($0)" } ?? candidate.reason
        decisions.append(Decision(target: key, step: candidate.step, action: candidate.action, disposition: disposition, blockedBy: check, reason: reason))
    }

    private mutating func alert(_ condition: AlertCondition, _ summary: String, gate: SafetyGate) {
        let disposition: Decision.Disposition = policy.dryRun ? .dryRun : .execute
        decisions.append(Decision(target: key, action: .alert(condition: condition, summary: summary), disposition: disposition, reason: summary))
    }

    private mutating func note(_ reason: String) {
        decisions.append(Decision(target: key, action: nil, disposition: .noAction, reason: reason))
    }

    // MARK: Episodes and the ladder

    /// The target's pod with this UID.
    private func pod(_ uid: String) -> Pod? {
        podIndex[uid].map { target.pods[$0] }
    }

    /// Opens an episode at the first unhealthy pod, escalates when the step did not help within
    /// stepTimeout, and closes it once everything is healthy and settled for a stepTimeout.
    private mutating func openEpisode(actionable: [PodVerdict]) -> RemediationHistory.Episode? {
        let window = policy.loopWindow
        history.episodeStarts[key] = history.episodeStarts[key]?.filter { now.timeIntervalSince($0) < window }
        for start in history.episodeStarts[key] ?? [] { wake.at(start.addingTimeInterval(window)) }
        guard var episode = history.episodes[key] else {
            guard !actionable.isEmpty else { return nil }
            return RemediationHistory.Episode(openedAt: now, step: 0, relapse: relapses(actionable))
        }
        // A pod gets each step once while it lives: the steps of pods gone are forgotten, or under steady
        // churn (an episode that never closes) the episode would keep every pod it ever restarted.
        episode.acted = episode.acted.filter { entry in
            let owner = entry.prefix { $0 != "/" }
            return owner == "deployment" || owner == "gitops" || podIndex[String(owner)] != nil
        }
        let timeout = policy.stepTimeout.seconds
        wake.at(episode.stepStartedAt?.addingTimeInterval(timeout))
        let stepSettled = episode.stepStartedAt.map { now.timeIntervalSince($0) >= timeout } ?? true
        if actionable.isEmpty, inFlight == 0, stepSettled {
            note("recovered: no pod unhealthy and nothing in flight\(episode.stepStartedAt == nil ? "" : " for \(policy.stepTimeout) after the last step")")
            return nil
        }
        // Pods still isolated call for the next step only when it adds capacity for them (scaleUp).
        let isolatedWaiting = !remediating.isEmpty && episode.step + 1 < policy.ladder.count && policy.ladder[episode.step + 1] == .scaleUp
        if let started = episode.stepStartedAt, stepSettled, !actionable.isEmpty || isolatedWaiting, episode.step < policy.ladder.count {
            let still = actionable.first.map { "\(actionable.count) pods still unhealthy, \($0.pod): \($0.summary)" } ?? "\(remediating.count) pods still isolated"
            note("\(policy.ladder[episode.step].rawValue) did not help within stepTimeout \(policy.stepTimeout) (started \(Seconds(now.timeIntervalSince(started))) ago): \(still); escalating")
            episode.step += 1
            episode.stepStartedAt = nil
        }
        return episode
    }

    /// Alerts when pods have stayed unhealthy for a stepTimeout because a safety check refuses every
    /// action the ladder proposes (a cooldown only delays, and a halt alerts of its own).
    private mutating func alertIfStuck(_ proposed: [Decision], actionable: [PodVerdict], gate: SafetyGate) {
        guard gate.halt == nil, !proposed.isEmpty, proposed.allSatisfy({ $0.disposition == .blocked && $0.blockedBy != .cooldown }),
              let since = actionable.compactMap(\.since).min() else { return }
        let due = since.addingTimeInterval(policy.stepTimeout.seconds)
        guard now >= due else { return wake.at(due) }
        let refusal = proposed[0]
        let checks = Set(proposed.compactMap { $0.blockedBy?.rawValue }).sorted().joined(separator: ", ")
        alert(.refused, "\(key): \(actionable.count) pods unhealthy since \(Timestamp(since)), a stepTimeout (\(policy.stepTimeout)) and more, and every action is refused by a safety check (\(checks)): \(refusal.reason)", gate: gate)
    }

    /// Whether a new episode is the target coming back after remediation: one of its unhealthy pods is a
    /// pod the operator acted on within the loop window, or the Ready replacement that settled such an
    /// action, or the target was rolled (rolloutRestart, rollback) within it, which made every pod. A pod
    /// that nobody touched failing is not a relapse: on a 100-pod Deployment, independent failures an hour
    /// apart are the operator's daily work, not a loop.
    private func relapses(_ actionable: [PodVerdict]) -> Bool {
        let since = now.addingTimeInterval(-policy.loopWindow)
        var remediated: Set<String> = []
        for record in history.actions where record.target == key && record.succeeded && record.step != nil && record.time > since {
            switch record.action {
            case .rolloutRestart, .rollback: return true
            default: break
            }
            if let uid = record.action.podUID { remediated.insert(uid) }
            if let replacement = record.settledBy { remediated.insert(replacement) }
        }
        return actionable.contains { remediated.contains($0.uid) }
    }

    /// The loop breaker counts a target's remediation and the episodes that came back from it
    /// (``relapses(_:)``) in which the operator acted (``RemediationHistory/record(_:at:succeeded:)``): a
    /// pod that flaps while every action is held or refused opens and closes episodes of nothing done,
    /// which are not a target coming back after remediation. An open relapse counts as if it acted, since
    /// acting is what the breaker would stop.
    private func loopBreaker(_ episode: RemediationHistory.Episode?) -> String? {
        guard let episode else { return nil }
        let starts = history.episodeStarts[key] ?? []
        let open = episode.relapse == true && !starts.contains(episode.openedAt) ? 1 : 0
        let episodes = 1 + starts.count + open
        guard episodes >= EffectivePolicy.loopEpisodes else { return nil }
        return "keeps coming back: \(episodes) remediation episodes in the last \(Seconds(policy.loopWindow)), \(episodes - 1) of them with a pod the operator remediated (or its replacement, or a rolled pod) unhealthy again (the loop breaker trips at \(EffectivePolicy.loopEpisodes)); acting stopped until fewer remain in the window"
    }

    /// The current step's actions, skipping steps that cannot apply.
    private mutating func ladderCandidates(episode: inout RemediationHistory.Episode, actionable: [PodVerdict]) -> [Candidate] {
        while episode.step < policy.ladder.count {
            let step = policy.ladder[episode.step]
            let position = "step \(episode.step + 1) of \(policy.ladder.count) (\(step.rawValue))"
            if step == .isolate, target.isStatefulSet, policy.isolation == "quarantine" {
                note("skipped \(step.rawValue): quarantine takes a pod out of its controller, and a StatefulSet cannot replace a pod whose name is still taken; isolation: readinessGate works for StatefulSets")
                episode.step += 1
                episode.stepStartedAt = nil
                continue
            }
            if step.isPerPod {
                var fresh = actionable.filter { !episode.acted.contains("\($0.uid)/\(step.rawValue)") }
                if let statefulSet = target.workload.statefulSet { fresh.sort(by: Self.restartOrder(statefulSet)) }
                if fresh.isEmpty {
                    if !actionable.isEmpty { note(waiting(step, episode: episode)) }
                    return []
                }
                return fresh.compactMap { verdict in
                    guard let pod = pod(verdict.uid) else { return nil }
                    let action: Action = step == .restartPod
                        ? .restartPod(pod: verdict.pod, uid: verdict.uid, evict: policy.evicts)
                        : .isolate(pod: verdict.pod, uid: verdict.uid, mode: policy.isolation)
                    return Candidate(action: action, step: step, pod: pod, reason: "\(verdict.pod) unhealthy since \(Timestamp(verdict.since ?? now)): \(verdict.summary); \(position)")
                }
            }
            if episode.acted.contains("deployment/\(step.rawValue)") {
                if !actionable.isEmpty { note(waiting(step, episode: episode)) }
                return []
            }
            if actionable.isEmpty && (step != .scaleUp || remediating.isEmpty) { return [] }
            if let owner = GitOpsOwner(target.workload.metadata),
               let refusal = owner.refusal(of: step, writesReplicas: target.autoscaler == nil, acts: policy.gitOpsActs) {
                note("skipped \(step.rawValue): \(refusal)")
                episode.acted.insert("gitops/\(step.rawValue)")
                episode.step += 1
                episode.stepStartedAt = nil
                continue
            }
            switch step {
            case .scaleUp:
                switch scaleUp(actionable: actionable, position: position) {
                case .success(let candidate): return [candidate]
                case .failure(let refusal): note("skipped \(step.rawValue): \(refusal.reason)")
                }
            case .rollback:
                switch rollback(actionable: actionable, position: position) {
                case .success(let candidate): return [candidate]
                case .failure(let refusal): note("skipped \(step.rawValue): \(refusal.reason)")
                }
            case .rolloutRestart:
                let first = actionable[0]
                return [Candidate(action: .rolloutRestart, step: step, pod: nil, reason: "\(actionable.count) pods unhealthy, \(first.pod): \(first.summary); \(position)")]
            case .restartPod, .isolate:
                return []
            }
            episode.step += 1
            episode.stepStartedAt = nil
        }
        alert(.ladderExhausted, "\(key): every step of the ladder (\(policy.ladder.map(\.rawValue).joined(separator: ", "))) was tried and \(actionable.count) pods are still unhealthy; the operator stops acting and needs a human", gate: makeGate())
        return []
    }

    /// Which of a StatefulSet's sick pods goes first. With `Parallel` pod management, the highest ordinal,
    /// as its controller scales down and rolls: the lowest ordinals (often the primary, the seed) stay up
    /// longest. With `OrderedReady` (the default) the lowest: its controller creates a pod only once every
    /// lower ordinal is Running and Ready, so a higher ordinal restarted while a lower one is down would
    /// stay gone until a human stepped in.
    static func restartOrder(_ statefulSet: StatefulSet) -> (PodVerdict, PodVerdict) -> Bool {
        if statefulSet.spec?.podManagementPolicy == "Parallel" {
            return { ordinal($0.pod) > ordinal($1.pod) }
        }
        return { ordinal($0.pod) < ordinal($1.pod) }
    }

    /// A StatefulSet pod's ordinal: the number its name ends in (`db-2`: 2), -1 for none.
    static func ordinal(_ pod: String) -> Int {
        pod.split(separator: "-").last.flatMap { Int($0) } ?? -1
    }

    private func waiting(_ step: RecoveryStep, episode: RemediationHistory.Episode) -> String {
        let left = episode.stepStartedAt.map { Seconds(policy.stepTimeout.seconds - now.timeIntervalSince($0)).description } ?? policy.stepTimeout.text
        return "waiting for \(step.rawValue) to help: the outcome is checked \(left) from now (stepTimeout \(policy.stepTimeout))"
    }

    /// While pods are unhealthy in an episode that left steps to Git (the Deployment is managed by Argo CD
    /// or Flux), a human is told which, and by whom the Deployment is managed.
    private mutating func alertLeftToGit(_ episode: RemediationHistory.Episode, actionable: [PodVerdict], gate: SafetyGate) {
        let left = episode.acted.filter { $0.hasPrefix("gitops/") }.map { String($0.dropFirst("gitops/".count)) }.sorted()
        guard !left.isEmpty, !actionable.isEmpty, let owner = GitOpsOwner(target.workload.metadata) else { return }
        alert(.gitOps, "\(key): \(actionable.count) pods unhealthy and \(left.joined(separator: ", ")) left to Git: the \(target.workload.kind.rawValue) is managed by \(owner) (spec.recovery.gitOps \(policy.gitOpsActs ? "act" : "alert"))", gate: gate)
    }

    /// During a rollout only rollback may act: it is considered even when it is not the current step.
    private mutating func rollbackDuringRollout(episode: inout RemediationHistory.Episode, actionable: [PodVerdict]) -> Candidate? {
        guard policy.ladder.contains(.rollback), !actionable.isEmpty,
              episode.step >= policy.ladder.count || policy.ladder[episode.step] != .rollback,
              !episode.acted.contains("deployment/rollback") else { return nil }
        if let owner = GitOpsOwner(target.workload.metadata),
           let refusal = owner.refusal(of: .rollback, writesReplicas: false, acts: policy.gitOpsActs) {
            if episode.acted.insert("gitops/rollback").inserted { note("no rollback: \(refusal)") }
            return nil
        }
        switch rollback(actionable: actionable, position: "rollback during a rollout") {
        case .success(let candidate): return candidate
        case .failure(let refusal):
            note("no rollback: \(refusal.reason)")
            return nil
        }
    }

    private func rollback(actionable: [PodVerdict], position: String) -> Result<Candidate, Refusal> {
        guard let newest = rollout.newest else {
            return .failure(.init("the \(target.workload.kind.rawValue) has no \(rollout.revisionKind) with a revision"))
        }
        let revision = newest.number
        let others = actionable.filter { $0.templateHash != newest.hash }
        guard others.isEmpty else {
            return .failure(.init("\(others.count) unhealthy pods are not of the newest revision \(revision) (\(others[0].pod)), so the new revision is not to blame"))
        }
        switch rollout.rollbackTarget(verdicts: verdicts, history: history) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let previous):
            let first = actionable[0]
            return .success(Candidate(
                action: .rollback(replicaSet: previous.name, revision: previous.number, from: newest.uid),
                step: .rollback, pod: nil,
                reason: "\(actionable.count) pods of the newest revision \(revision) are unhealthy (\(first.pod): \(first.summary)) and revision \(previous.number) was healthy; \(position)"))
        }
    }

    private func scaleUp(actionable: [PodVerdict], position: String) -> Result<Candidate, Refusal> {
        if target.isStatefulSet {
            return .failure(.init("a StatefulSet's new replicas need data of their own (volumes, membership), so the operator never adds them; a human decides"))
        }
        guard let maxSurge = policy.maxSurge else { return .failure(.init("spec.recovery.scaleUp.maxSurge is not set")) }
        let surge = min(maxSurge, max(1, actionable.count + remediating.count))
        let why = "\(actionable.count) unhealthy and \(remediating.count) isolated pods; \(position)"
        if let autoscaler = target.autoscaler {
            let name = autoscaler.metadata.name ?? ""
            let current = autoscaler.spec.minReplicas ?? 1
            let raised = min(autoscaler.spec.maxReplicas, max(current, target.workload.replicas) + surge)
            guard raised > current else {
                return .failure(.init("HPA \(name) manages the replicas and its maxReplicas \(autoscaler.spec.maxReplicas) leaves no room above minReplicas \(current)"))
            }
            return .success(Candidate(
                action: .setAutoscalerMinimum(autoscaler: name, from: current, to: raised), step: .scaleUp, pod: nil,
                reason: "\(why); HPA \(name) manages the replicas, so its minReplicas is raised \(current)→\(raised) for the duration instead of writing replicas behind its back"))
        }
        let replicas = target.workload.replicas
        return .success(Candidate(action: .scale(from: replicas, to: replicas + surge), step: .scaleUp, pod: nil, reason: "\(why); adding \(surge) replicas (maxSurge \(maxSurge))"))
    }

    /// Forgets a scale-up to undo when someone else changed the size since the operator set it (neither
    /// what it set nor, not yet seen, what it scaled from): on-call's choice stands, and is not undone.
    private mutating func forgetScalingChangedByOthers() {
        guard let scaled = history.scaledFrom[key], let set = scaled.set else { return }
        let what: String
        let current: Int?
        if let name = scaled.autoscaler {
            what = "HPA \(name) minReplicas"
            current = target.autoscaler.flatMap { $0.metadata.name == name ? $0.spec.minReplicas ?? 1 : nil }
        } else {
            what = "replicas"
            current = target.workload.replicas
        }
        guard let current, current != set, current != scaled.replicas else { return }
        history.scaledFrom[key] = nil
        note("\(what) changed to \(current) by someone else since the operator set \(set) (from \(scaled.replicas)): the operator leaves it and will not restore \(scaled.replicas)")
    }

    /// Returns to the size from before scaleUp once no pod is unhealthy or isolated.
    private mutating func restoreScale(actionable: [PodVerdict]) -> Candidate? {
        guard let scaled = history.scaledFrom[key], actionable.isEmpty, remediating.isEmpty else { return nil }
        let notHealthy = verdicts.filter { $0.health != .healthy }.count
        if let name = scaled.autoscaler {
            guard let autoscaler = target.autoscaler, autoscaler.metadata.name == name else { return nil }
            let current = autoscaler.spec.minReplicas ?? 1
            guard current != scaled.replicas else { return forgetRestored() }
            let removed = max(0, target.workload.replicas - max(scaled.replicas, autoscaler.status?.desiredReplicas ?? 0))
            return Candidate(
                action: .setAutoscalerMinimum(autoscaler: name, from: current, to: scaled.replicas), step: nil, pod: nil,
                reason: "no pod unhealthy or isolated: returning HPA \(name) minReplicas to \(scaled.replicas)", healthyRemoved: max(0, removed - notHealthy))
        }
        let replicas = target.workload.replicas
        guard replicas > scaled.replicas else { return forgetRestored() }
        return Candidate(
            action: .scale(from: replicas, to: scaled.replicas), step: nil, pod: nil,
            reason: "no pod unhealthy or isolated: returning to the \(scaled.replicas) replicas from before scaleUp",
            healthyRemoved: max(0, replicas - scaled.replicas - notHealthy))
    }

    /// Nothing to restore (the size is back already): the memory goes.
    private mutating func forgetRestored() -> Candidate? {
        history.scaledFrom[key] = nil
        return nil
    }

    private func quietReason() -> String {
        let watching = verdicts.filter { $0.health == .watching }
        let judged = verdicts.filter { $0.health != .terminating }.count
        if let first = watching.first {
            return "\(healthyCount) of \(judged) pods healthy; \(watching.count) watched, not yet unhealthy (\(first.pod): \(first.summary))"
        }
        return "\(healthyCount) of \(judged) pods healthy: nothing to do"
    }

    // MARK: Observed state

    /// Settles disruptions that a Ready replacement took the place of, and finds isolated pods.
    private mutating func settle() {
        // A replacement settles one disruption: those that settled one in an earlier plan stay claimed.
        let key = key
        var claimed = Set(history.actions.lazy.filter { $0.target == key }.compactMap(\.settledBy))
        // Ready pods, oldest first: found only when a disruption's pod is gone. Sorted as what is compared
        // (a pod is a large value: sorting the pods themselves was a tenth of the operator's CPU per fault).
        let pods = target.pods
        var found: [Replacement]?
        func replacements() -> [Replacement] {
            if let found { return found }
            let ready = pods
                .compactMap { pod in pod.isReady && pod.metadata.deletionTimestamp == nil ? Replacement(pod) : nil }
                .sorted { ($0.created, $0.name) < ($1.created, $1.name) }
            found = ready
            return ready
        }
        for index in history.actions.indices {
            let record = history.actions[index]
            guard record.target == key, record.succeeded, record.settledAt == nil, record.action.isDisruption else { continue }
            if let uid = record.action.podUID {
                // A pod being deleted is as good as gone: a Ready replacement settles its disruption even while
                // it stays Terminating (on a node that stopped answering, it may never go).
                if let pod = pod(uid), pod.metadata.deletionTimestamp == nil {
                    if case .isolate = record.action {
                        if pod.condition(Action.servingGate)?.status == "True", pod.isReady {
                            // Released: serving again.
                            history.actions[index].settledAt = now
                            stepHelped(record)
                            continue
                        }
                        remediating.insert(uid)
                        if let release = release(pod) { releases.append(release) }
                    }
                    // The disrupted pod itself still holds the place (its deletion not yet seen, or isolated).
                    standIns.insert(uid)
                    stillInFlight(record.action)
                    continue
                }
                // creationTimestamp has whole seconds: a replacement made in the second of the action counts.
                // A StatefulSet's replacement is known exactly: the pod of the same name, with a new UID.
                let sameName = target.isStatefulSet ? record.action.podName : nil
                let after = { (pod: Replacement) in
                    !claimed.contains(pod.uid) && pod.created >= record.time.wholeSeconds && (sameName == nil || pod.name == sameName)
                }
                if let replacement = replacements().first(where: after) {
                    claimed.insert(replacement.uid)
                    history.actions[index].settledAt = now
                    history.actions[index].settledBy = replacement.uid
                    stepHelped(record)
                } else {
                    stillInFlight(record.action)
                    if let standIn = pods.first(where: { !$0.isReady && $0.metadata.deletionTimestamp == nil && !standIns.contains($0.metadata.uid ?? "") && after(Replacement($0)) }) {
                        standIns.insert(standIn.metadata.uid ?? "")
                    }
                }
            } else if rollout.inProgress || target.workload.generationUnobserved {
                inFlight += 1
            } else {
                history.actions[index].settledAt = now
            }
        }
    }

    /// Counts a pod's disruption that no Ready pod has replaced yet, and its name when it was a restart.
    private mutating func stillInFlight(_ action: Action) {
        inFlight += 1
        if case .restartPod(let name, _, _) = action { inFlightRestarts.append(name) }
    }

    /// What settling a disruption reads of a pod that may replace it.
    private struct Replacement {
        var created: Date
        var name: String
        var uid: String

        init(_ pod: Pod) {
            created = pod.metadata.creationTimestamp ?? .distantPast
            name = pod.metadata.name ?? ""
            uid = pod.metadata.uid ?? ""
        }
    }

    /// A disruption of the episode's current step was settled by a Ready pod: the step helps, so its
    /// outcome clock starts again. Without this, under steady churn (a new, unrelated pod failing every
    /// few seconds, so the episode never closes) the first failure found a stepTimeout after the step
    /// first acted would count as the step not helping, and climb the ladder to its end. Pods the step
    /// does not help (replacements that never become Ready) leave the clock alone, and escalate.
    private mutating func stepHelped(_ record: RemediationHistory.ActionRecord) {
        guard var episode = history.episodes[key], let started = episode.stepStartedAt, let step = record.step,
              episode.step < policy.ladder.count, policy.ladder[episode.step] == step, record.time >= started else { return }
        episode.stepStartedAt = max(started, now)
        history.episodes[key] = episode
    }

    /// New pods that declare the serving gate and have no condition for it yet: the gate starts closed,
    /// and the operator that owns it opens it.
    private func newlyGated() -> [Candidate] {
        Self.newlyGated(target)
    }

    /// The new pods of `target` whose serving gate is to be opened (see ``newlyGated()``).
    static func newlyGated(_ target: TargetObservation) -> [Candidate] {
        target.pods.compactMap { pod in
            guard pod.spec?.readinessGates?.contains(where: { $0.conditionType == Action.servingGate }) == true,
                  pod.condition(Action.servingGate) == nil, pod.metadata.deletionTimestamp == nil,
                  let name = pod.metadata.name, let uid = pod.metadata.uid else { return nil }
            return Candidate(action: .admit(pod: name, uid: uid), step: nil, pod: pod, reason: "\(name) is new and declares the readiness gate \(Action.servingGate): opening it")
        }
    }

    /// Ends the isolation (by readiness gate) of a pod whose containers have been Ready for the whole `for`.
    private mutating func release(_ pod: Pod) -> Candidate? {
        guard pod.condition(Action.servingGate)?.status == "False", let name = pod.metadata.name, let uid = pod.metadata.uid,
              let ready = pod.condition("ContainersReady"), ready.status == "True" else { return nil }
        let since = ready.lastTransitionTime ?? now
        wake.at(since.addingTimeInterval(policy.health.holdFor.seconds))
        guard now.timeIntervalSince(since) >= policy.health.holdFor.seconds else { return nil }
        return Candidate(action: .release(pod: name, uid: uid), step: nil, pod: pod,
                         reason: "\(name) is healthy again: its containers are Ready since \(Timestamp(since)); ending its isolation")
    }

    /// Remembers the newest revision as healthy once the rollout is complete and every pod is healthy.
    private mutating func rememberHealthyRevision() {
        guard !rollout.inProgress, let uid = rollout.newest?.uid, !uid.isEmpty,
              history.revisions[uid] == nil, inFlight == 0, healthyCount >= desired,
              verdicts.allSatisfy({ $0.health == .healthy || $0.health == .terminating }) else { return }
        history.revisions[uid] = .healthy
    }

    /// Healthy pods a rollout takes down at once: maxUnavailable of a RollingUpdate (rounded down, and 1
    /// when both limits round to 0, as the Deployment controller does), or every pod for Recreate.
    private func rolloutDisruption() -> Int {
        // A StatefulSet's controller rolls one pod at a time.
        guard let spec = target.workload.deployment?.spec else { return 1 }
        let replicas = spec.replicas ?? 1
        if spec.strategy?.type == "Recreate" { return replicas }
        let rolling = spec.strategy?.rollingUpdate
        let unavailable = resolve(rolling?.maxUnavailable ?? .string("25%"), of: replicas, roundUp: false)
        let surge = resolve(rolling?.maxSurge ?? .string("25%"), of: replicas, roundUp: true)
        return unavailable == 0 && surge == 0 ? 1 : unavailable
    }

    private func resolve(_ value: IntOrString, of total: Int, roundUp: Bool) -> Int {
        switch value {
        case .int(let count): return count
        case .string(let text):
            guard text.hasSuffix("%"), let percent = Int(text.dropLast()) else { return 0 }
            return roundUp ? (total * percent + 99) / 100 : total * percent / 100
        }
    }
}

/// An action the ladder proposes, before the safety gate has its say.
struct Candidate {
    var action: Action
    var step: RecoveryStep?
    var pod: Pod?
    var reason: String
    var healthyRemoved: Int = 0
}

extension Date {
    /// The date with its fraction of a second dropped, as the API server's `Time` values have it.
    var wholeSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
