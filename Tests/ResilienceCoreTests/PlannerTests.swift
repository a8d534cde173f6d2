import Foundation
import KubernetesAPI
import ResilienceCore
import Testing

/// The ladder, rollback, scaling and every safety limit, planned on Deployments the API server returned.
@Suite struct PlannerTests {
    /// Restarts, then isolates a pod still unhealthy a stepTimeout (2m) later.
    private let restartThenIsolate = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["restartPod","isolate"],"stepTimeout":"2m"},"safety":{"cooldown":"1s","maxInFlight":2}}"#
    private let restartOnCrashLoop = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"minHealthy":"50%","maxUnhealthy":"40%","cooldown":"2m","maxInFlight":1}}"#

    private func plan(_ spec: String, _ target: TargetObservation, history: RemediationHistory = .init(), at now: Date) throws -> Plan {
        Planner.plan(policy: try Scenario.policy(spec), targets: [target], history: history, now: now)
    }

    /// The history after the operator executed every executable decision of `plan` at `time`.
    private func executed(_ plan: Plan, at time: Date) -> RemediationHistory {
        var history = plan.history
        for decision in plan.executable { history.record(decision, at: time, succeeded: true) }
        return history
    }

    @Test func firstStepEvictsTheCrashLoopingPodAndSaysWhy() throws {
        let target = try Scenario.stable()
        let plan = try plan(restartOnCrashLoop, target, at: Scenario.after(5, target))
        let decision = try #require(plan.decisions.first)
        #expect(plan.decisions.count == 1)
        #expect(decision.disposition == .execute)
        #expect(decision.step == .restartPod)
        guard case .restartPod(let pod, _, let evict) = decision.action else { Issue.record("\(decision)"); return }
        #expect(pod == Scenario.crashing)
        #expect(evict)
        #expect(decision.action?.summary == "evict pod \(Scenario.crashing)")
        #expect(decision.reason.contains("container web is waiting: CrashLoopBackOff; step 1 of 1 (restartPod)"), "\(decision.reason)")
        #expect(plan.targets.first?.healthy == 2)
        #expect(plan.targets.first?.unhealthy == 1)
    }

    @Test func dryRunPlansEverythingButExecutesNothing() throws {
        let target = try Scenario.stable()
        let spec = #"{"dryRun":true,"# + restartOnCrashLoop.dropFirst()
        let plan = try plan(spec, target, at: Scenario.after(5, target))
        #expect(plan.decisions.map(\.disposition) == [.dryRun])
        #expect(plan.executable.isEmpty)
        #expect(plan.decisions[0].reason.contains("spec.dryRun"))
        #expect(plan.decisions[0].action != nil, "the action is still planned and shown")
    }

    /// A dry run remembers what it would have done (``RemediationHistory/rehearse(_:at:)``), so it follows
    /// the ladder as the real run would: the next step after a stepTimeout, then the alert at its end.
    @Test func aDryRunFollowsTheWholeLadder() throws {
        let target = try Scenario.stable()
        let start = Scenario.after(5, target)
        let spec = #"{"dryRun":true,"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["restartPod","rolloutRestart"],"stepTimeout":"1m"},"safety":{"cooldown":"10s","minHealthy":0,"maxUnhealthy":"100%","maxActions":{"count":5,"window":"1h"}}}"#
        func rehearsed(_ plan: Plan, at time: Date) -> RemediationHistory {
            var history = plan.history
            for decision in plan.decisions { history.rehearse(decision, at: time) }
            return history
        }
        let first = try plan(spec, target, at: start)
        #expect(first.decisions.map(\.step) == [.restartPod] && first.decisions[0].disposition == .dryRun)
        var history = rehearsed(first, at: start)
        #expect(history.actions.count == 1 && history.actions[0].settledAt == start, "as if done and replaced at once")
        let cooling = try plan(spec, target, history: history, at: start.addingTimeInterval(5))
        #expect(cooling.decisions.allSatisfy { $0.action == nil }, "the pod had its step: waiting for its outcome, \(cooling.decisions)")
        let next = try plan(spec, target, history: history, at: start.addingTimeInterval(61))
        #expect(next.decisions.contains { $0.reason.contains("restartPod did not help within stepTimeout 1m") }, "\(next.decisions)")
        let restart = try #require(next.decisions.first { $0.action == .rolloutRestart })
        #expect(restart.disposition == .dryRun)
        history = rehearsed(next, at: start.addingTimeInterval(61))
        let end = try plan(spec, target, history: history, at: start.addingTimeInterval(122))
        let alert = try #require(end.decisions.first { if case .alert = $0.action { true } else { false } })
        #expect(alert.reason.contains("needs a human") && alert.disposition == .dryRun, "\(alert)")
        #expect(history.actions.map(\.action) == [.restartPod(pod: Scenario.crashing, uid: target.pod(Scenario.crashing)!.metadata.uid!, evict: true), .rolloutRestart],
                "the budget counts what it would have done")
    }

    /// A suspended policy judges nothing; only new pods' serving gates are opened.
    @Test func aSuspendedPolicyOnlyOpensNewPodsGates() throws {
        let target = try Scenario.stable()
        let healthy = try #require(target.pods.first { $0.isReady })
        let gated = target.changing(healthy.metadata.name!) { $0.spec?.readinessGates = [.init(conditionType: Action.servingGate)] }
        let admissions = Planner.admissions([gated])
        #expect(admissions.map(\.action) == [.admit(pod: healthy.metadata.name!, uid: healthy.metadata.uid!)])
        #expect(admissions.allSatisfy { $0.executes })
        #expect(Planner.admissions([target]).isEmpty)
    }

    @Test func cooldownBudgetAndInFlightEachBlockWithTheirReason() throws {
        let target = try Scenario.stable()
        let created = try #require(target.pods.compactMap(\.metadata.creationTimestamp).max())
        let now = created.addingTimeInterval(31)
        var history = RemediationHistory()
        // An earlier eviction 30 s ago, after every pod there was created: no replacement is Ready yet.
        history.actions.append(.init(time: now.addingTimeInterval(-30), target: "\(target.deployment.metadata.namespace!)/web", step: .restartPod,
                                     action: .restartPod(pod: "web-gone", uid: "gone", evict: true), succeeded: true))
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1m","maxInFlight":1,"maxActions":{"count":1,"window":"10m"},"minHealthy":0,"maxUnhealthy":"100%"}}"#
        var decision = try #require(try plan(spec, target, history: history, at: now).decisions.first)
        #expect(decision.blockedBy == .cooldown)
        #expect(decision.reason.contains("in cooldown until \(KubernetesJSON.formatTimestamp(now.addingTimeInterval(30))): the last action was at \(KubernetesJSON.formatTimestamp(now.addingTimeInterval(-30))) (cooldown 1m)"), "\(decision.reason)")

        decision = try #require(try plan(spec, target, history: history, at: now.addingTimeInterval(60)).decisions.first)
        #expect(decision.blockedBy == .budget)
        #expect(decision.reason.contains("the action budget is spent: 1 of 1 actions in 10m"), "\(decision.reason)")

        decision = try #require(try plan(spec, target, history: history, at: now.addingTimeInterval(11 * 60)).decisions.first)
        #expect(decision.blockedBy == .maxInFlight)
        #expect(decision.reason.contains("1 disruptions not yet replaced by a Ready pod (maxInFlight 1)"), "\(decision.reason)")
        #expect(try plan(spec, target, history: history, at: now.addingTimeInterval(11 * 60)).targets[0].inFlight == 1)
    }

    @Test func aReadyReplacementSettlesTheDisruption() throws {
        let target = try Scenario.stable()
        var history = RemediationHistory()
        // The eviction happened before the two Ready pods were created: they replace it.
        let before = try #require(target.pods.compactMap(\.metadata.creationTimestamp).min()).addingTimeInterval(-1)
        let now = before.addingTimeInterval(180)
        history.actions.append(.init(time: before, target: "\(target.deployment.metadata.namespace!)/web", step: .restartPod,
                                     action: .restartPod(pod: "web-gone", uid: "gone", evict: true), succeeded: true))
        let plan = try plan(restartOnCrashLoop, target, history: history, at: now)
        #expect(plan.targets[0].inFlight == 0)
        #expect(plan.history.actions[0].settledAt == now)
        #expect(plan.decisions.first?.disposition == .execute)
    }

    @Test func minHealthyAndMaxUnhealthy() throws {
        let target = try Scenario.stable()
        let now = Scenario.after(5, target)
        // Restarting the sick pod leaves 2 healthy; 100% asks for 3.
        let strict = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"minHealthy":"100%","maxUnhealthy":"100%"}}"#
        let blocked = try #require(try plan(strict, target, at: now).decisions.first)
        #expect(blocked.blockedBy == .minHealthy)
        #expect(blocked.reason.contains("would leave 2 healthy pods, fewer than minHealthy 100% (3 pods)"), "\(blocked.reason)")
        // One of three unhealthy is above a maxUnhealthy of 0: alert only.
        let systemic = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"maxUnhealthy":0}}"#
        let decisions = try plan(systemic, target, at: now).decisions
        guard case .alert(_, let summary) = decisions.first?.action else { Issue.record("\(decisions)"); return }
        #expect(summary.contains("1 of 3 pods down (1 unhealthy, 0 disruptions not yet replaced) exceed maxUnhealthy 0 pods (at most 0 pods)"))
        #expect(decisions.dropFirst().allSatisfy { $0.blockedBy == .maxUnhealthy && !$0.executes })
        #expect(decisions.count == 2)
    }

    /// Three of four pods crashing is 75%, above a maxUnhealthy of 60%: the share is compared as a fraction
    /// (60% of 4 rounds down to 2 pods), so the short-circuit trips and alerts.
    @Test func theShortCircuitTripsWhenTheUnhealthyFractionExceedsTheShare() throws {
        var target = try Scenario.stable()
        let crashing = try #require(target.pod(Scenario.crashing))
        for number in 1...2 {
            var clone = crashing
            clone.metadata.name = "web-crashing-\(number)"
            clone.metadata.uid = "crashing-\(number)"
            target.pods.append(clone)
        }
        target.deployment.spec?.replicas = 4
        let now = Scenario.after(5, target)
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"minHealthy":0,"maxUnhealthy":"60%"}}"#
        let decisions = try plan(spec, target, at: now).decisions
        guard case .alert(_, let summary) = decisions.first?.action else { Issue.record("\(decisions)"); return }
        #expect(summary.contains("3 of 4 pods down (3 unhealthy, 0 disruptions not yet replaced) exceed maxUnhealthy 60% (at most 2 pods)"), "\(summary)")
        #expect(decisions.dropFirst().allSatisfy { $0.blockedBy == .maxUnhealthy && !$0.executes })
        // Two of four (50%) is not above 60%: the operator acts.
        target.pods.removeLast()
        #expect(try plan(spec, target, at: now).decisions.contains { $0.executes && $0.step == .restartPod })
    }

    /// A pod that a safety check keeps from every remedy is not left unhealthy in silence: after a
    /// stepTimeout the plan alerts, naming the check.
    @Test func podsThatEveryActionsRefusalKeepsUnhealthyAlertAfterAStepTimeout() throws {
        let target = try Scenario.stable()
        let start = Scenario.after(5, target)
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"stepTimeout":"1m"},"safety":{"minHealthy":"100%","maxUnhealthy":"100%"}}"#
        let first = try plan(spec, target, at: start)
        #expect(first.decisions.map(\.blockedBy) == [.minHealthy])
        #expect(first.wakeAt == start.addingTimeInterval(60), "planned again when the refusal has lasted a stepTimeout")
        let later = try plan(spec, target, history: first.history, at: start.addingTimeInterval(60))
        let alert = try #require(later.executable.first { if case .alert = $0.action { true } else { false } })
        #expect(alert.reason.contains("1 pods unhealthy since \(KubernetesJSON.formatTimestamp(start)), a stepTimeout (1m) and more, and every action is refused by a safety check (minHealthy)"), "\(alert.reason)")
        #expect(later.decisions.contains { $0.blockedBy == .minHealthy })
        // A cooldown only delays: no alert for it.
        let cooling = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"stepTimeout":"1m"},"safety":{"cooldown":"1h","minHealthy":0,"maxUnhealthy":"100%"}}"#
        var history = first.history
        history.actions.append(.init(time: start, target: first.targets[0].target, step: nil, action: .scale(from: 3, to: 3), succeeded: true))
        let cooled = try plan(cooling, target, history: history, at: start.addingTimeInterval(120))
        #expect(cooled.decisions.map(\.blockedBy) == [.cooldown], "\(cooled.decisions)")
    }

    /// A pod evicted on a node that stopped answering stays Terminating; its Ready replacement settles the
    /// disruption all the same, so the next sick pod of the Deployment is recovered.
    @Test func aPodStuckTerminatingIsSettledByItsReadyReplacement() throws {
        var target = try Scenario.stable()
        let sick = try #require(target.pod(Scenario.crashing))
        let start = Scenario.after(5, target)
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s","maxInFlight":1,"minHealthy":0,"maxUnhealthy":"100%"}}"#
        let first = try plan(spec, target, at: start)
        #expect(first.executable.map(\.action?.podUID) == [sick.metadata.uid])
        let history = executed(first, at: start)
        // The evicted pod stays Terminating; a replacement is created and Ready, and another pod crash-loops.
        target = target.changing(Scenario.crashing) { $0.metadata.deletionTimestamp = start.addingTimeInterval(5) }
        var replacement = try #require(target.pod(Scenario.healthy))
        replacement.metadata.name = "web-replacement"
        replacement.metadata.uid = "replacement"
        replacement.metadata.creationTimestamp = start.addingTimeInterval(2).wholeSecondsForTests
        target.pods.append(replacement)
        var next = sick
        next.metadata.name = "web-next"
        next.metadata.uid = "next"
        target.pods.append(next)
        let later = try plan(spec, target, history: history, at: start.addingTimeInterval(10))
        #expect(later.targets[0].inFlight == 0, "\(later.decisions)")
        #expect(later.history.actions.first?.settledBy == "replacement")
        #expect(later.executable.map(\.action?.podUID) == ["next"], "\(later.decisions)")
        #expect(later.targets[0].verdicts.first { $0.uid == sick.metadata.uid }?.health == .terminating)
    }

    @Test func aReplacementCreatedInTheSecondOfTheEvictionSettlesIt() throws {
        let target = try Scenario.stable()
        let newest = try #require(target.pods.filter(\.isReady).max { ($0.metadata.creationTimestamp ?? .distantPast) < ($1.metadata.creationTimestamp ?? .distantPast) })
        let created = try #require(newest.metadata.creationTimestamp)
        var history = RemediationHistory()
        // Evicted 0.4 s into the second in which the newest Ready pod was created (the API keeps whole seconds).
        history.actions.append(.init(time: created.addingTimeInterval(0.4), target: "\(target.deployment.metadata.namespace!)/web", step: .restartPod,
                                     action: .restartPod(pod: "web-gone", uid: "gone", evict: true), succeeded: true))
        let plan = try plan(restartOnCrashLoop, target, history: history, at: created.addingTimeInterval(300))
        #expect(plan.targets[0].inFlight == 0, "\(plan.decisions)")
        #expect(plan.history.actions[0].settledAt != nil)
    }

    @Test func theLadderEscalatesOnlyWhenTheStepDidNotHelpWithinStepTimeout() throws {
        let target = try Scenario.stable()
        let start = Scenario.after(5, target)
        let spec = restartThenIsolate
        let first = try plan(spec, target, at: start)
        #expect(first.executable.map(\.step) == [.restartPod])
        let afterFirst = executed(first, at: start)
        // The eviction was accepted but the pod is still there (no kubelet would remove it here): a minute
        // later the same pod does not get the same step again.
        let waiting = try plan(spec, target, history: afterFirst, at: start.addingTimeInterval(60))
        #expect(waiting.executable.isEmpty)
        #expect(waiting.decisions.contains { $0.reason.hasPrefix("waiting for restartPod to help") }, "\(waiting.decisions)")
        // stepTimeout later the pod is still unhealthy: the next step.
        let later = try plan(spec, target, history: waiting.history, at: start.addingTimeInterval(121))
        #expect(later.decisions.first?.reason.contains("restartPod did not help within stepTimeout 2m") == true, "\(later.decisions)")
        #expect(later.executable.map(\.step) == [.isolate])
        // Once isolated, the pod is remediating, not judged; after another stepTimeout the ladder is exhausted.
        let isolated = executed(later, at: start.addingTimeInterval(121))
        let sick = try #require(target.pod(Scenario.crashing)?.metadata.uid)
        #expect(isolated.episodes.values.first?.acted.contains("\(sick)/isolate") == true)
        let judged = try plan(spec, target, history: isolated, at: start.addingTimeInterval(130))
        #expect(judged.targets[0].verdicts.first { $0.uid == sick }?.health == .remediating)
    }

    /// Under steady churn the episode never closes: a new pod fails every few seconds. Each restart that a
    /// Ready replacement settles shows the step helps and starts its clock again, so a pod that fails more
    /// than a stepTimeout after the step first acted gets the same step, not the next one (found by
    /// `resilience-bench faults`: after a leader's death left a failure waiting, the successor climbed
    /// every ladder to its end and stopped acting). A replacement that never becomes Ready still escalates.
    @Test func aStepThatKeepsHelpingKeepsItsPlaceUnderChurn() throws {
        let target = try Scenario.stable()
        let start = Scenario.after(5, target)
        let spec = restartThenIsolate
        let first = try plan(spec, target, at: start)
        #expect(first.executable.map(\.step) == [.restartPod])
        let afterFirst = executed(first, at: start)

        // A minute later the restarted pod is gone and a Ready replacement has taken its place.
        let sick = try #require(target.pod(Scenario.crashing))
        var replacement = try #require(target.pod(Scenario.healthy))
        replacement.metadata.name = "web-replacement"
        replacement.metadata.uid = "uid-replacement"
        replacement.metadata.creationTimestamp = start.addingTimeInterval(1)
        var replaced = target
        replaced.pods = target.pods.filter { $0.metadata.uid != sick.metadata.uid } + [replacement]
        let settled = try plan(spec, replaced, history: afterFirst, at: start.addingTimeInterval(60))
        #expect(settled.history.actions.last?.settledBy == "uid-replacement")

        // Then another pod, healthy until now, starts crash-looping, 150 s after the step first acted.
        let other = try #require(replaced.pods.first { $0.isReady && $0.metadata.uid != "uid-replacement" })
        let churned = replaced.changing(other.metadata.name!) { $0.status = sick.status }
        let next = try plan(spec, churned, history: settled.history, at: start.addingTimeInterval(150))
        #expect(next.executable.map(\.step) == [.restartPod], "\(next.decisions.map(\.reason))")
        #expect(!next.decisions.contains { $0.reason.contains("did not help") })

        // When the replacement never became Ready (it crash-loops too), the step did not help: escalate.
        let unhelped = churned.changing("web-replacement") { $0.status = sick.status }
        let unsettled = try plan(spec, unhelped, history: afterFirst, at: start.addingTimeInterval(150))
        #expect(unsettled.decisions.contains { $0.reason.contains("restartPod did not help within stepTimeout 2m") }, "\(unsettled.decisions.map(\.reason))")
    }

    @Test func isolatedPodsGetScaleUpThenReleaseWhenHealthyAgainAndTheScaleReturns() throws {
        let target = try Scenario.stable()
        let start = Scenario.after(5, target)
        let replicas = try #require(target.deployment.spec?.replicas)
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"],"for":"10s"},"recovery":{"steps":["isolate","scaleUp"],"stepTimeout":"1m","scaleUp":{"maxSurge":2}},"safety":{"cooldown":"1s","maxInFlight":2,"minHealthy":0}}"#
        // The first rule holds for 10 s, then the pod is isolated (its gate goes False).
        let isolate = try plan(spec, target, history: try plan(spec, target, at: start).history, at: start.addingTimeInterval(11))
        #expect(isolate.executable.map(\.step) == [.isolate], "\(isolate.decisions)")
        let gated = target.changing(Scenario.crashing) { $0.set(Action.servingGate, "False", at: start.addingTimeInterval(11)) }
        var history = executed(isolate, at: start.addingTimeInterval(11))
        // Within stepTimeout the isolated pod waits; a stepTimeout later it is still isolated: scaleUp adds one replica for it.
        let waiting = try plan(spec, gated, history: history, at: start.addingTimeInterval(30))
        #expect(waiting.executable.isEmpty, "\(waiting.decisions)")
        let scale = try plan(spec, gated, history: waiting.history, at: start.addingTimeInterval(72))
        #expect(scale.decisions.contains { $0.reason.contains("isolate did not help within stepTimeout 1m") && $0.reason.contains("1 pods still isolated") }, "\(scale.decisions)")
        #expect(scale.executable.map(\.action) == [.scale(from: replicas, to: replicas + 1)], "\(scale.decisions)")
        history = executed(scale, at: start.addingTimeInterval(72))
        // Its containers are Ready again, but not yet for the whole `for`: still isolated.
        let recovered = gated.changing(Scenario.crashing) { pod in
            pod.makeReady(at: start.addingTimeInterval(80))
            pod.set("Ready", "False", at: start.addingTimeInterval(80))
        }
        #expect(try plan(spec, recovered, history: history, at: start.addingTimeInterval(85)).executable.isEmpty)
        let release = try plan(spec, recovered, history: history, at: start.addingTimeInterval(91))
        let uid = try #require(target.pod(Scenario.crashing)?.metadata.uid)
        #expect(release.executable.map(\.action) == [.release(pod: Scenario.crashing, uid: uid)], "\(release.decisions)")
        #expect(release.executable.first?.reason.contains("is healthy again") == true)
        // Released and Ready: the isolation settles, and the Deployment returns to its size.
        history = executed(release, at: start.addingTimeInterval(91))
        let serving = recovered.changing(Scenario.crashing) { pod in
            pod.makeReady(at: start.addingTimeInterval(80))
            pod.set(Action.servingGate, "True", at: start.addingTimeInterval(91))
        }
        var scaled = serving
        scaled.deployment.spec?.replicas = replicas + 1
        let back = try plan(spec, scaled, history: history, at: start.addingTimeInterval(95))
        #expect(back.executable.map(\.action) == [.scale(from: replicas + 1, to: replicas)], "\(back.decisions)")
        #expect(history.scaledFrom.values.first?.set == replicas + 1, "what the operator set is remembered")
        // On-call scaled the Deployment meanwhile: their size stands, nothing is restored, and the memory goes.
        var onCall = serving
        onCall.deployment.spec?.replicas = replicas + 3
        let left = try plan(spec, onCall, history: history, at: start.addingTimeInterval(95))
        #expect(!left.executable.contains { if case .scale = $0.action { true } else { false } }, "\(left.decisions)")
        #expect(left.decisions.contains { $0.reason.contains("replicas changed to \(replicas + 3) by someone else since the operator set \(replicas + 1)") }, "\(left.decisions)")
        #expect(left.history.scaledFrom.isEmpty)
        // Back at the size from before: nothing to restore, and nothing left to remember.
        #expect(try plan(spec, serving, history: history, at: start.addingTimeInterval(95)).history.scaledFrom.isEmpty)
    }

    @Test func aNewPodsServingGateIsOpenedEvenInDryRun() throws {
        let target = try Scenario.stable()
        let healthy = try #require(target.pods.first { $0.isReady })
        let gated = target.changing(healthy.metadata.name!) { $0.spec?.readinessGates = [.init(conditionType: Action.servingGate)] }
        let spec = #"{"dryRun":true,"health":{"waitingReasons":["CrashLoopBackOff"]}}"#
        let planned = try plan(spec, gated, at: Scenario.after(5, target))
        let admit = try #require(planned.decisions.first { if case .admit = $0.action { true } else { false } })
        #expect(admit.action == .admit(pod: healthy.metadata.name!, uid: healthy.metadata.uid!))
        #expect(admit.disposition == .execute, "a closed gate would stall the rollout")
        #expect(planned.decisions.contains { $0.step == .restartPod && $0.disposition == .dryRun }, "remediation stays a dry run")
        // Once the gate has a condition, nothing more is planned for it.
        let opened = gated.changing(healthy.metadata.name!) { $0.set(Action.servingGate, "True", at: Scenario.after(1, target)) }
        #expect(try plan(spec, opened, at: Scenario.after(5, target)).decisions.allSatisfy { if case .admit = $0.action { false } else { true } })
    }

    /// An action that keeps failing (an isolation by readiness gate on pods without the gate) is tried
    /// again after each cooldown, but only for a stepTimeout: then the ladder moves on, and at its end the
    /// operator alerts for a human and stops.
    @Test func failedStepsEscalateAndTheLadderEndsInAnAlert() throws {
        let target = try Scenario.stable()
        let start = Scenario.after(5, target)
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["isolate","restartPod"],"stepTimeout":"1m"},"safety":{"cooldown":"10s","minHealthy":0,"maxUnhealthy":"100%"}}"#
        func failing(_ plan: Plan, at time: Date) -> RemediationHistory {
            var history = plan.history
            for decision in plan.executable { history.record(decision, at: time, succeeded: false) }
            return history
        }
        let first = try plan(spec, target, at: start)
        #expect(first.executable.map(\.step) == [.isolate])
        var history = failing(first, at: start)
        #expect(history.episodes.values.first?.stepStartedAt == start, "a failure starts the step's outcome clock")
        let retry = try plan(spec, target, history: history, at: start.addingTimeInterval(11))
        #expect(retry.executable.map(\.step) == [.isolate], "tried again after the cooldown")
        history = failing(retry, at: start.addingTimeInterval(11))
        let next = try plan(spec, target, history: history, at: start.addingTimeInterval(61))
        #expect(next.decisions.first?.reason.contains("isolate did not help within stepTimeout 1m") == true, "\(next.decisions)")
        #expect(next.executable.map(\.step) == [.restartPod])
        history = failing(next, at: start.addingTimeInterval(61))
        let end = try plan(spec, target, history: history, at: start.addingTimeInterval(122))
        guard case .alert(_, let summary) = end.executable.first?.action else { Issue.record("\(end.decisions)"); return }
        #expect(summary.contains("needs a human"), "\(summary)")
        #expect(end.executable.count == 1, "nothing more is tried: \(end.decisions)")
        #expect(end.history.actions.filter { !$0.succeeded }.count == 3)
    }

    /// The history forgets failed attempts and the actions of Deployments that are gone once no window
    /// looks at them, and never keeps more than ``Planner/keptActions`` records.
    @Test func theHistoryIsPrunedAndBounded() throws {
        let target = try Scenario.stable()
        let now = Scenario.after(5, target)
        let key = "\(target.deployment.metadata.namespace!)/web"
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%"}}"#
        var history = RemediationHistory()
        for index in 0..<300 {
            let time = now.addingTimeInterval(-7200 - Double(index))
            history.actions.append(.init(time: time, target: key, step: .isolate, action: .isolate(pod: "p", uid: "u\(index)", mode: "readinessGate"), succeeded: false))
            history.actions.append(.init(time: time, target: "elsewhere/gone", step: .restartPod, action: .restartPod(pod: "q", uid: "v\(index)", evict: true), succeeded: true))
        }
        #expect(try plan(spec, target, history: history, at: now).history.actions.isEmpty, "older than every window: forgotten")
        history.actions = (0..<300).map { index in
            .init(time: now.addingTimeInterval(-600 + Double(index)), target: key, step: .isolate, action: .isolate(pod: "p", uid: "u\(index)", mode: "readinessGate"), succeeded: false)
        }
        let bounded = try plan(spec, target, history: history, at: now).history.actions
        #expect(bounded.count == Planner.keptActions)
        #expect(bounded.first?.action.podUID == "u44", "the oldest go first")
    }

    /// Under steady churn an episode may never close: it forgets the steps of pods that are gone, so its
    /// memory (and the status that carries it) stays the size of the Deployment, not of the churn. (Found
    /// by the 10,000-pod soak: an episode open for 35 minutes remembered 70 pods restarted.)
    @Test func anOpenEpisodeForgetsThePodsThatAreGone() throws {
        let target = try Scenario.stable()
        let now = Scenario.after(5, target)
        let key = "\(target.deployment.metadata.namespace!)/web"
        let sick = try #require(target.pod(Scenario.crashing)?.metadata.uid)
        var history = RemediationHistory()
        let gone = (0..<50).map { "gone-\($0)/restartPod" }
        history.episodes[key] = .init(openedAt: now.addingTimeInterval(-1800), step: 0, stepStartedAt: now.addingTimeInterval(-10),
                                      acted: Set(gone + ["\(sick)/restartPod", "deployment/rolloutRestart", "gitops/rollback"]))
        let plan = try plan(restartOnCrashLoop, target, history: history, at: now)
        #expect(plan.history.episodes[key]?.acted == ["\(sick)/restartPod", "deployment/rolloutRestart", "gitops/rollback"])
        #expect(plan.executable.isEmpty, "the sick pod still has had its restart: \(plan.decisions)")
    }

    @Test func anExhaustedLadderAlertsAndStops() throws {
        let target = try Scenario.stable()
        let start = Scenario.after(5, target)
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["restartPod"],"stepTimeout":"1m"},"safety":{"cooldown":"1s","maxInFlight":3}}"#
        let history = executed(try plan(spec, target, at: start), at: start)
        let plan = try plan(spec, target, history: history, at: start.addingTimeInterval(61))
        #expect(plan.executable.count == 1)
        guard case .alert(_, let summary) = plan.executable.first?.action else { Issue.record("\(plan.decisions)"); return }
        #expect(summary.contains("every step of the ladder (restartPod) was tried and 1 pods are still unhealthy"))
    }

    @Test func theLoopBreakerStopsADeploymentThatKeepsComingBack() throws {
        let target = try Scenario.stable()
        let now = Scenario.after(5, target)
        var history = RemediationHistory()
        let key = "\(target.deployment.metadata.namespace!)/web"
        history.episodeStarts[key] = [now.addingTimeInterval(-1800), now.addingTimeInterval(-900)]
        let plan = try plan(restartOnCrashLoop, target, history: history, at: now)
        guard case .alert(_, let summary) = plan.decisions.first?.action else { Issue.record("\(plan.decisions)"); return }
        #expect(summary.contains("keeps coming back: 3 remediation episodes in the last 1h"))
        #expect(plan.decisions.dropFirst().allSatisfy { $0.blockedBy == .loopBreaker })
        // An hour later the old episodes left the window.
        #expect(try self.plan(restartOnCrashLoop, target, history: history, at: now.addingTimeInterval(3600)).executable.first?.step == .restartPod)
    }

    /// Episodes driven through the planner: each a pod crash-looping, restarted, replaced by a Ready pod,
    /// and the Deployment healthy for a stepTimeout. When the pod that fails each time is a different one
    /// nobody touched, the Deployment is not looping and every failure is restarted; when it is the
    /// replacement of the last one restarted, the third episode trips the breaker.
    @Test(arguments: [false, true])
    func theLoopBreakerCountsOnlyPodsThatComeBackAfterRemediation(relapsing: Bool) throws {
        var target = try Scenario.stable()
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"stepTimeout":"1m"},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"100%"}}"#
        let sick = try #require(target.pod(Scenario.crashing))
        var history = RemediationHistory()
        var now = Scenario.after(5, target)
        var failing = Scenario.crashing
        var tripped: [Bool] = []
        for round in 1...3 {
            let plan = try plan(spec, target, history: history, at: now)
            tripped.append(plan.decisions.contains { $0.blockedBy == .loopBreaker })
            if tripped.last == true { break }
            #expect(plan.executable.map(\.action?.podName) == [failing], "round \(round): \(plan.decisions)")
            history = executed(plan, at: now)
            // The pod is gone; its replacement is Ready a few seconds later.
            var replacement = sick
            replacement.metadata.name = "web-replacement-\(round)"
            replacement.metadata.uid = "replacement-\(round)"
            replacement.metadata.creationTimestamp = now.addingTimeInterval(2).wholeSecondsForTests
            replacement.makeReady(at: now.addingTimeInterval(4))
            target.pods.removeAll { $0.metadata.name == failing }
            target.pods.append(replacement)
            history = try self.plan(spec, target, history: history, at: now.addingTimeInterval(5)).history
            let recovered = try self.plan(spec, target, history: history, at: now.addingTimeInterval(70))
            #expect(recovered.decisions.contains { $0.reason.hasPrefix("recovered") }, "round \(round): \(recovered.decisions)")
            history = recovered.history
            guard round < 3 else { break }
            // Ten minutes later a pod fails: the replacement, or a Ready pod nobody touched.
            now = now.addingTimeInterval(600)
            let next = relapsing ? replacement.metadata.name! : try #require(target.pods.first { $0.isReady && !$0.metadata.name!.hasPrefix("web-replacement") }?.metadata.name)
            target = target.changing(next) { pod in
                pod.status = sick.status
                pod.metadata.creationTimestamp = now.addingTimeInterval(-300)
            }
            failing = next
        }
        #expect(tripped == (relapsing ? [false, false, true] : [false, false, false]))
    }

    @Test func duringARolloutOnlyRollbackActsAndItReturnsToTheHealthyRevision() throws {
        let target = try Scenario.rollout()
        let now = Scenario.after(5, target)
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["restartPod","rollback"]},"safety":{"minHealthy":0,"maxUnhealthy":"100%"}}"#
        let plan = try plan(spec, target, at: now)
        let restart = try #require(plan.decisions.first { $0.step == .restartPod })
        #expect(restart.blockedBy == .rollout)
        #expect(restart.reason.contains("a rollout is in progress (1 of 3 replicas updated to revision 2, 3 old still running): only the rollback step may act"), "\(restart.reason)")
        let rollback = try #require(plan.decisions.first { $0.step == .rollback })
        #expect(rollback.disposition == .execute)
        let old = try #require(target.replicaSets.first { $0.revision == 1 })
        let new = try #require(target.replicaSets.first { $0.revision == 2 })
        #expect(rollback.action == .rollback(replicaSet: old.metadata.name!, revision: 1, from: new.metadata.uid!))
        #expect(rollback.reason.contains("pods of the newest revision 2 are unhealthy"))
        // Once rolled back from, revision 2 is never a rollback target; and revision 1 marked unhealthy is refused.
        var history = plan.history
        history.record(rollback, at: now, succeeded: true)
        #expect(history.revisions[new.metadata.uid!] == .unhealthy)
        var refused = RemediationHistory()
        refused.revisions[old.metadata.uid!] = .unhealthy
        let none = try self.plan(spec, target, history: refused, at: now)
        #expect(none.decisions.contains { $0.reason == "no rollback: no earlier revision is known healthy (revision 1 was rolled back from)" }, "\(none.decisions)")
        #expect(none.executable.isEmpty)
    }

    @Test func aPausedDeploymentOnlyRollsBack() throws {
        var target = try Scenario.stable()
        target.deployment.spec?.paused = true
        let plan = try plan(restartOnCrashLoop, target, at: Scenario.after(5, target))
        #expect(plan.decisions.first?.blockedBy == .rollout)
        #expect(plan.decisions.first?.reason.contains("the Deployment is paused") == true)
    }

    @Test func anEvictionThePodDisruptionBudgetWouldRefuseIsBlockedAndNamesIt() throws {
        var target = try Scenario.rollout()
        target.deployment.status?.updatedReplicas = 3  // treat the rollout as done, to reach the eviction
        target.deployment.status?.replicas = 3
        target.disruptionBudgets[0].status?.currentHealthy = 1
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"minHealthy":0,"maxUnhealthy":"100%"}}"#
        let decision = try #require(try plan(spec, target, at: Scenario.after(5, target)).decisions.first)
        #expect(decision.blockedBy == .disruptionBudget)
        #expect(decision.reason.contains("PodDisruptionBudget shop refuses: the application is disrupted (currentHealthy 1 < desiredHealthy 2)"), "\(decision.reason)")
        // With the application whole, an unready pod may go even though disruptionsAllowed is 0.
        target.disruptionBudgets[0].status?.currentHealthy = 2
        #expect(try plan(spec, target, at: Scenario.after(5, target)).decisions.first?.disposition == .execute)
    }

    @Test func scaleUpRaisesTheAutoscalersMinimumInsteadOfWritingReplicas() throws {
        var target = try Scenario.rollout()
        target.deployment.status?.updatedReplicas = 3
        target.deployment.status?.replicas = 3
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["scaleUp"],"scaleUp":{"maxSurge":2}},"safety":{"minHealthy":0,"maxUnhealthy":"100%"}}"#
        let now = Scenario.after(5, target)
        let plan = try plan(spec, target, at: now)
        let decision = try #require(plan.executable.first)
        #expect(decision.action == .setAutoscalerMinimum(autoscaler: "shop", from: 3, to: 4))
        #expect(decision.reason.contains("HPA shop manages the replicas, so its minReplicas is raised 3→4 for the duration instead of writing replicas behind its back"), "\(decision.reason)")
        var history = plan.history
        history.record(decision, at: now, succeeded: true)
        #expect(history.scaledFrom.values.first == .init(replicas: 3, autoscaler: "shop", set: 4))

        // Without an autoscaler, the replicas are written; once healthy, they go back.
        var plain = try Scenario.stable()
        let scaled = try self.plan(spec, plain, at: now)
        #expect(scaled.executable.first?.action == .scale(from: 3, to: 4))
        var after = scaled.history
        after.record(scaled.executable[0], at: now, succeeded: true)
        plain.deployment.spec?.replicas = 4
        let healed = plain.changing(Scenario.crashing) { $0.makeReady(at: now) }
        let restore = try self.plan(spec, healed, history: after, at: now.addingTimeInterval(300))
        #expect(restore.executable.map(\.action) == [.scale(from: 4, to: 3)], "\(restore.decisions) \(after)")
    }

    /// A Ready pod whose metric sample is missing (`onMissing: ignore`) is healthy only as far as is known:
    /// it does not count toward minHealthy, and the refusal says so.
    @Test func readyPodsWithUnknownSamplesDoNotCountTowardMinHealthy() throws {
        var target = try Scenario.stable()
        let now = Scenario.after(5, target)
        let ready = target.pods.filter(\.isReady).compactMap(\.metadata.name).sorted()
        try #require(ready.count == 2)
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"],"metrics":[{"name":"errors","query":"q","above":1,"onMissing":"ignore"}]},"safety":{"minHealthy":2,"maxUnhealthy":"100%"}}"#
        target.metrics = ["errors": [ready[0]: MetricSample(value: 0, time: now)]]
        let plan = try plan(spec, target, at: now)
        #expect(plan.targets[0].healthy == 2, "shown as healthy")
        let refused = try #require(plan.decisions.first { $0.step == .restartPod })
        #expect(refused.blockedBy == .minHealthy)
        #expect(refused.reason.contains("1 healthy now (1 more Ready pods with unknown samples are not counted)"), "\(refused.reason)")
        // Both samples known: the restart goes ahead.
        target.metrics = ["errors": [ready[0]: MetricSample(value: 0, time: now), ready[1]: MetricSample(value: 0, time: now)]]
        #expect(try self.plan(spec, target, at: now).executable.map(\.step) == [.restartPod])
    }

    @Test func aMissingSampleThatFreezesStopsEveryTargetOfThePolicy() throws {
        let stable = try Scenario.stable()
        var other = try Scenario.rollout()
        other.deployment.status?.updatedReplicas = 3
        other.deployment.status?.replicas = 3
        let policy = try Scenario.policy(#"{"health":{"waitingReasons":["CrashLoopBackOff"],"metrics":[{"name":"errors","query":"q","above":1,"onMissing":"freeze"}]},"safety":{"minHealthy":0,"maxUnhealthy":"100%"}}"#)
        let plan = Planner.plan(policy: policy, targets: [stable, other], history: .init(), now: Scenario.after(5, stable))
        let actions = plan.decisions.filter { if case .alert = $0.action { false } else { $0.action != nil } }
        #expect(actions.count == 2)
        #expect(actions.allSatisfy { $0.blockedBy == .frozen && $0.reason.contains("errors unknown: no sample (onMissing: freeze)") })
        // Each target whose own sample is missing raises the Frozen alert.
        let alerts = plan.decisions.compactMap { decision -> AlertCondition? in
            if case .alert(let condition, _) = decision.action, decision.executes { condition } else { nil }
        }
        #expect(alerts == [.frozen, .frozen], "\(plan.decisions)")
    }

    @Test func theBudgetIsSharedByEveryTargetOfThePolicy() throws {
        let stable = try Scenario.stable()
        var other = try Scenario.rollout()
        other.deployment.status?.updatedReplicas = 3
        other.deployment.status?.replicas = 3
        let policy = try Scenario.policy(#"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"maxActions":{"count":1,"window":"1h"},"minHealthy":0,"maxUnhealthy":"100%"}}"#)
        let plan = Planner.plan(policy: policy, targets: [stable, other], history: .init(), now: Scenario.after(5, stable))
        #expect(plan.executable.count == 1)
        #expect(plan.decisions.filter { $0.blockedBy == .budget }.count == 1)
    }

    @Test func nothingToDoSaysSo() throws {
        let target = try Scenario.stable().changing(Scenario.crashing) { $0.makeReady(at: Date(timeIntervalSince1970: 0)) }
        let plan = try plan(restartOnCrashLoop, target, at: Scenario.after(5, target))
        #expect(plan.decisions == [Decision(target: plan.targets[0].target, action: nil, disposition: .noAction, reason: "3 of 3 pods healthy: nothing to do")])
    }
}

/// Ladder steps that cannot apply are skipped, and say why.
@Suite struct LadderSkipTests {
    @Test func aRollbackWithoutAnEarlierRevisionIsSkippedForTheNextStep() throws {
        let target = try Scenario.stable()
        let policy = try Scenario.policy(#"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["rollback","restartPod"]}}"#)
        let plan = Planner.plan(policy: policy, targets: [target], history: .init(), now: Scenario.after(5, target))
        #expect(plan.decisions.map(\.reason).first == "skipped rollback: revision 1 is the only revision")
        #expect(plan.executable.map(\.step) == [.restartPod])
        #expect(plan.executable.first?.reason.contains("step 2 of 2 (restartPod)") == true)
    }

    @Test func anAutoscalerAtItsMaximumLeavesNoRoomToScaleUp() throws {
        var target = try Scenario.rollout()
        target.deployment.status?.updatedReplicas = 3
        target.deployment.status?.replicas = 3
        target.autoscaler?.spec.maxReplicas = 3
        let policy = try Scenario.policy(#"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["scaleUp"],"scaleUp":{"maxSurge":2}},"safety":{"minHealthy":0,"maxUnhealthy":"100%"}}"#)
        let plan = Planner.plan(policy: policy, targets: [target], history: .init(), now: Scenario.after(5, target))
        #expect(plan.decisions.first?.reason == "skipped scaleUp: HPA shop manages the replicas and its maxReplicas 3 leaves no room above minReplicas 3")
        #expect(plan.executable.first.map { if case .alert = $0.action! { true } else { false } } == true, "the ladder is exhausted: alert")
    }
}

extension Date {
    /// The date with its fraction of a second dropped, as the API server keeps `creationTimestamp`.
    var wholeSecondsForTests: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
