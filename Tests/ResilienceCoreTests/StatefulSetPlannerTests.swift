import Foundation
import KubernetesAPI
import ResilienceCore
import Testing

/// StatefulSet targets, planned on StatefulSets, ControllerRevisions and pods the API server returned:
/// quorum pacing, the highest ordinal first, no scaleUp, rollback to a ControllerRevision.
@Suite struct StatefulSetPlannerTests {
    private let restartOnCrashLoop = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"minHealthy":0,"maxUnhealthy":"100%","cooldown":"1s","maxInFlight":3}}"#

    private func plan(_ spec: String, _ target: TargetObservation, history: RemediationHistory = .init(), at now: Date) throws -> Plan {
        Planner.plan(policy: try Scenario.policy(spec), targets: [target], history: history, now: now)
    }

    /// The history after the first plan's actions on `target` at `now`, all carried out.
    private func restartedOnce(_ target: TargetObservation, at now: Date) throws -> RemediationHistory {
        let first = try plan(restartOnCrashLoop, target, at: now)
        var history = first.history
        for decision in first.executable { history.record(decision, at: now, succeeded: true) }
        return history
    }

    @Test func keysTellAStatefulSetFromADeploymentOfTheSameName() throws {
        let statefulSet = WorkloadKey(kind: .statefulSet, namespace: "shop", name: "db")
        let deployment = WorkloadKey(kind: .deployment, namespace: "shop", name: "db")
        #expect(statefulSet.description == "shop/statefulset/db")
        #expect(deployment.description == "shop/db")
        #expect(WorkloadKey(statefulSet.description) == statefulSet)
        #expect(WorkloadKey(deployment.description) == deployment)
        #expect(WorkloadKey("shop/daemonset/db") == nil)
        #expect(WorkloadKey("db") == nil)
        let target = try Scenario.statefulSetStable()
        #expect(Planner.key(target) == "\(target.workload.metadata.namespace!)/statefulset/cache")
    }

    /// Two crash-looping pods of three: one is restarted, the other waits its turn, even though
    /// maxInFlight would allow both. With OrderedReady pod management (the fixture's, the default) the
    /// lowest ordinal goes first: the controller would not recreate cache-2 while cache-1 is not Ready.
    @Test func twoSickPodsAreRestartedOneAtATime() throws {
        let target = try Scenario.statefulSetStable()
        #expect(target.workload.statefulSet?.spec?.podManagementPolicy == "OrderedReady")
        let now = Scenario.after(5, target)
        let plan = try plan(restartOnCrashLoop, target, at: now)
        let restarts = plan.decisions.filter { $0.step == .restartPod }
        #expect(restarts.map { $0.action?.podName } == ["cache-1", "cache-2"])
        #expect(restarts.map(\.disposition) == [.execute, .blocked])
        #expect(restarts[1].blockedBy == .quorum)
        #expect(restarts[1].reason.contains("a StatefulSet's pods are disrupted one at a time"), "\(restarts[1].reason)")
    }

    /// With Parallel pod management the highest ordinal goes first, keeping the lowest (often the primary)
    /// up longest.
    @Test func parallelStatefulSetsRestartTheHighestOrdinalFirst() throws {
        var target = try Scenario.statefulSetStable()
        var statefulSet = try #require(target.workload.statefulSet)
        statefulSet.spec?.podManagementPolicy = "Parallel"
        target.workload = .statefulSet(statefulSet)
        let plan = try plan(restartOnCrashLoop, target, at: Scenario.after(5, target))
        let restarts = plan.decisions.filter { $0.step == .restartPod }
        #expect(restarts.map { $0.action?.podName } == ["cache-2", "cache-1"])
        #expect(restarts.map(\.disposition) == [.execute, .blocked])
    }

    /// While the replacement of cache-1 (same name, new UID) is not Ready, cache-2 still waits; once it is
    /// Ready, cache-2 goes.
    @Test func theNextPodWaitsUntilTheReplacementIsReady() throws {
        let target = try Scenario.statefulSetStable()
        let now = Scenario.after(5, target)
        let history = try restartedOnce(target, at: now)
        let created = now.addingTimeInterval(2)
        // The StatefulSet controller recreates cache-1 under its name: a new UID, not Ready yet.
        var replaced = target.changing("cache-1") { pod in
            pod.metadata.uid = "replacement-of-cache-1"
            pod.metadata.creationTimestamp = created
            let containers = pod.status?.containerStatuses?.map { container in
                var container = container
                container.state = ContainerStatus.State(waiting: .init(reason: "ContainerCreating"))
                container.restartCount = 0
                container.lastState = nil
                return container
            }
            pod.status?.containerStatuses = containers
        }
        let waiting = try plan(restartOnCrashLoop, replaced, history: history, at: created.addingTimeInterval(3))
        let cache2 = try #require(waiting.decisions.first { $0.action?.podName == "cache-2" })
        #expect(cache2.disposition == .blocked)
        #expect(cache2.blockedBy == .quorum)
        #expect(waiting.targets.first?.inFlight == 1)

        replaced = replaced.changing("cache-1") { $0.makeReady(at: created.addingTimeInterval(5)) }
        let next = try plan(restartOnCrashLoop, replaced, history: waiting.history, at: created.addingTimeInterval(10))
        let go = try #require(next.decisions.first { $0.action?.podName == "cache-2" })
        #expect(go.disposition == .execute, "\(go.reason)")
        #expect(next.targets.first?.inFlight == 0)
    }

    /// cache-2 was restarted alone; before its replacement came, cache-1 failed. With OrderedReady the
    /// controller will not create cache-2 while cache-1 is not Ready, so cache-1 goes now (it is down
    /// already: no member is lost), where waiting for cache-2 would wait for good. With Parallel, cache-2
    /// comes back on its own, and cache-1 waits for it.
    @Test func aLowerPodFailingWhileAHigherOneIsGoneIsNotHeldBehindIt() throws {
        let target = try Scenario.statefulSetStable()
        let now = Scenario.after(5, target)
        let alone = target.changing("cache-1") { $0.makeReady(at: now.addingTimeInterval(-60)) }
        let history = try restartedOnce(alone, at: now)
        #expect(history.actions.map(\.action.podName) == ["cache-2"])
        var gone = target
        gone.pods.removeAll { $0.metadata.name == "cache-2" }
        let later = now.addingTimeInterval(5)
        let ordered = try plan(restartOnCrashLoop, gone, history: history, at: later)
        #expect(ordered.targets.first?.inFlight == 1)
        let cache1 = try #require(ordered.decisions.first { $0.action?.podName == "cache-1" })
        #expect(cache1.disposition == .execute, "\(cache1.reason)")
        // maxInFlight (1 by default) does not hold it behind cache-2 either.
        let defaults = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"minHealthy":0,"maxUnhealthy":"100%","cooldown":"1s"}}"#
        let byDefault = try plan(defaults, gone, history: history, at: later)
        let first = try #require(byDefault.decisions.first { $0.action?.podName == "cache-1" })
        #expect(first.disposition == .execute, "\(first.reason)")

        var parallel = gone
        var statefulSet = try #require(parallel.workload.statefulSet)
        statefulSet.spec?.podManagementPolicy = "Parallel"
        parallel.workload = .statefulSet(statefulSet)
        let held = try plan(restartOnCrashLoop, parallel, history: history, at: later)
        let waiting = try #require(held.decisions.first { $0.action?.podName == "cache-1" })
        #expect(waiting.disposition == .blocked)
        #expect(waiting.blockedBy == .quorum)
    }

    /// Only the pod of the restarted pod's name settles its disruption: another Ready pod created in the
    /// same second (cache-0, when the whole set was just made) is not its replacement.
    @Test func onlyThePodOfTheSameNameReplacesARestartedOne() throws {
        let target = try Scenario.statefulSetStable()
        let now = Scenario.after(5, target)
        let history = try restartedOnce(target, at: now)
        // cache-1 is gone (its replacement not yet made); cache-0 carries a creation time in that second.
        var gone = target
        gone.pods.removeAll { $0.metadata.name == "cache-1" }
        gone = gone.changing("cache-0") { $0.metadata.creationTimestamp = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)) }
        let next = try plan(restartOnCrashLoop, gone, history: history, at: now.addingTimeInterval(2))
        #expect(next.targets.first?.inFlight == 1)
        #expect(next.decisions.first { $0.action?.podName == "cache-2" }?.blockedBy == .quorum)
    }

    /// A Ready pod that a probe finds failing is a member serving now: it is not taken away while another
    /// pod is down, whatever maxInFlight and minHealthy allow.
    @Test func aReadyPodIsNotDisruptedWhileAnotherIsDown() throws {
        var target = try Scenario.statefulSetStable()
        target.probes = ["cache-0": ProbeSample(time: Date(timeIntervalSince1970: 1000), consecutiveFailures: 3, lastError: "HTTP 503")]
        let spec = #"{"health":{"probe":{"httpGet":{"port":8080},"period":"10s","timeout":"1s"}},"safety":{"minHealthy":0,"maxUnhealthy":"100%","cooldown":"1s","maxInFlight":3}}"#
        let plan = try plan(spec, target, at: Date(timeIntervalSince1970: 1005))
        let restart = try #require(plan.decisions.first { $0.action?.podName == "cache-0" })
        #expect(restart.disposition == .blocked)
        #expect(restart.blockedBy == .quorum)
        #expect(restart.reason.contains("cache-0 is Ready, and 2 other pods are not (cache-1)"), "\(restart.reason)")
        // With every other pod Ready, it may go.
        let quorate = target.changing("cache-1") { $0.makeReady(at: Date(timeIntervalSince1970: 900)) }.changing("cache-2") { $0.makeReady(at: Date(timeIntervalSince1970: 900)) }
        let allowed = try self.plan(spec, quorate, at: Date(timeIntervalSince1970: 1005))
        #expect(allowed.decisions.first { $0.action?.podName == "cache-0" }?.disposition == .execute)
    }

    @Test func scaleUpIsRefusedAndQuarantineSkipped() throws {
        let target = try Scenario.statefulSetStable()
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["isolate","scaleUp"],"isolation":"quarantine","scaleUp":{"maxSurge":2}},"safety":{"minHealthy":0,"maxUnhealthy":"100%","cooldown":"1s"}}"#
        let plan = try plan(spec, target, at: Scenario.after(5, target))
        let notes = plan.decisions.filter { $0.action == nil }.map(\.reason)
        #expect(notes.contains { $0.hasPrefix("skipped isolate: quarantine takes a pod out of its controller") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("skipped scaleUp: a StatefulSet's new replicas need data of their own") }, "\(notes)")
        #expect(plan.executable.allSatisfy { if case .alert = $0.action { true } else { false } })
        #expect(plan.decisions.contains { if case .alert(.ladderExhausted, _) = $0.action { true } else { false } })
    }

    /// During the rollout to revision 2 only rollback may act: back to the ControllerRevision of revision 1,
    /// whose pods are healthy, away from the one the crash-looping db-2 is of.
    @Test func aBadRolloutIsRolledBackToTheLastHealthyControllerRevision() throws {
        let target = try Scenario.statefulSetRollout()
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["restartPod","rollback"]},"safety":{"minHealthy":0,"maxUnhealthy":"100%","cooldown":"1s"}}"#
        let plan = try plan(spec, target, at: Scenario.after(5, target))
        let restart = try #require(plan.decisions.first { $0.step == .restartPod })
        #expect(restart.blockedBy == .rollout)
        #expect(restart.reason.contains("a rollout is in progress (1 of 3 replicas updated to db-"), "\(restart.reason)")
        let rollback = try #require(plan.decisions.first { $0.step == .rollback })
        #expect(rollback.disposition == .execute, "\(rollback.reason)")
        let old = try #require(target.controllerRevisions.first { $0.revision == 1 })
        let new = try #require(target.controllerRevisions.first { $0.revision == 2 })
        #expect(rollback.action == .rollback(replicaSet: old.metadata.name!, revision: 1, from: new.metadata.uid!))
        #expect(plan.targets.first?.revisions.sorted() == [old.metadata.uid!, new.metadata.uid!].sorted())
    }
}
