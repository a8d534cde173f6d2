import Foundation
import KubernetesAPI
import ResilienceCore
import Testing

/// Every health rule, on pods the API server returned.
@Suite struct HealthJudgeTests {
    private func judge(
        _ target: TargetObservation, _ policy: EffectivePolicy, at now: Date,
        memory: [String: RemediationHistory.PodMemory] = [:], remediating: Set<String> = []
    ) -> (verdicts: [String: PodVerdict], memory: [String: RemediationHistory.PodMemory]) {
        let result = HealthJudge.judge(target, policy: policy, memory: memory, remediating: remediating, now: now)
        return (Dictionary(uniqueKeysWithValues: result.verdicts.map { ($0.pod, $0) }), result.memory)
    }

    @Test func waitingReasonMakesTheCrashLoopingPodUnhealthyAndNamesTheContainer() throws {
        let target = try Scenario.stable()
        let policy = try Scenario.policy(#"{"health":{"waitingReasons":["CrashLoopBackOff"]}}"#)
        let verdicts = judge(target, policy, at: Scenario.after(10, target)).verdicts
        let sick = try #require(verdicts[Scenario.crashing])
        #expect(sick.health == .unhealthy)
        #expect(sick.findings.map(\.rule) == ["waitingReasons"])
        #expect(sick.summary == "container web is waiting: CrashLoopBackOff")
        #expect(verdicts.values.filter { $0.health == .healthy }.count == 2)
    }

    @Test func terminatingAndRemediatingPodsAreNeitherHealthyNorJudged() throws {
        let target = try Scenario.rollout()
        let policy = try Scenario.policy(#"{"health":{"waitingReasons":["CrashLoopBackOff"]}}"#)
        let terminating = try #require(target.pods.first { $0.metadata.deletionTimestamp != nil })
        let crashing = try #require(target.pods.first { $0.status?.containerStatuses?.first?.restartCount == 4 })
        let verdicts = judge(target, policy, at: Scenario.after(10, target), remediating: [crashing.metadata.uid!]).verdicts
        #expect(verdicts[terminating.metadata.name!]?.health == .terminating)
        #expect(verdicts[crashing.metadata.name!]?.health == .remediating)
        #expect(verdicts[crashing.metadata.name!]?.findings == [])
        let pending = try #require(target.pods.first { $0.status?.phase == "Pending" })
        #expect(verdicts[pending.metadata.name!]?.health == .watching, "a pod that is not Ready is not counted healthy")
    }

    @Test func forHysteresisNeedsTheRuleToHoldContinuouslyAndSaysSince() throws {
        let target = try Scenario.stable()
        let policy = try Scenario.policy(#"{"health":{"waitingReasons":["CrashLoopBackOff"],"for":"1m"}}"#)
        let start = Scenario.after(0, target)
        var result = judge(target, policy, at: start)
        #expect(result.verdicts[Scenario.crashing]?.health == .watching)
        #expect(result.verdicts[Scenario.crashing]?.summary.contains("0s of the 1m that `for` asks") == true)
        result = judge(target, policy, at: start.addingTimeInterval(59), memory: result.memory)
        #expect(result.verdicts[Scenario.crashing]?.health == .watching)
        let held = judge(target, policy, at: start.addingTimeInterval(60), memory: result.memory)
        #expect(held.verdicts[Scenario.crashing]?.health == .unhealthy)
        #expect(held.verdicts[Scenario.crashing]?.since == start)

        // The rule stops holding for one observation: the clock starts again.
        let recovered = target.changing(Scenario.crashing) { $0.makeReady(at: start.addingTimeInterval(30)) }
        let gap = judge(recovered, policy, at: start.addingTimeInterval(30), memory: result.memory)
        #expect(gap.verdicts[Scenario.crashing]?.health == .healthy)
        let again = judge(target, policy, at: start.addingTimeInterval(61), memory: gap.memory)
        #expect(again.verdicts[Scenario.crashing]?.health == .watching)
    }

    @Test func restartsAreCountedInTheSlidingWindowNotOverTheLifetime() throws {
        let stable = try Scenario.stable()
        let policy = try Scenario.policy(#"{"health":{"restarts":{"limit":1,"window":"10m"}}}"#)
        // An old pod: its 4 restarts happened before the operator looked, so they are not counted.
        let created = Scenario.after(-3600, stable)
        let target = stable.changing(Scenario.crashing) { $0.metadata.creationTimestamp = created }
        let t0 = Scenario.after(0, stable)
        var result = judge(target, policy, at: t0)
        #expect(result.verdicts[Scenario.crashing]?.findings.contains { $0.rule == "restarts" } == false)
        let restarted = target.changing(Scenario.crashing) { $0.status?.containerStatuses?[0].restartCount = 6 }
        result = judge(restarted, policy, at: t0.addingTimeInterval(60), memory: result.memory)
        let finding = try #require(result.verdicts[Scenario.crashing]?.findings.first { $0.rule == "restarts" })
        #expect(finding.message == "2 restarts in the last 10m (limit 1)")
        #expect(finding.since == t0.addingTimeInterval(60))
        // Eleven minutes on, without new restarts, the window holds none.
        result = judge(restarted, policy, at: t0.addingTimeInterval(11 * 60), memory: result.memory)
        #expect(result.verdicts[Scenario.crashing]?.findings.contains { $0.rule == "restarts" } == false)
        #expect(result.memory.values.allSatisfy { $0.restarts.count <= 2 }, "samples older than the window are dropped")
    }

    @Test func aYoungPodCountsEveryRestartAndAReplacementStartsFresh() throws {
        let target = try Scenario.stable()
        let policy = try Scenario.policy(#"{"health":{"restarts":{"limit":3,"window":"10m"}}}"#)
        let now = Scenario.after(5, target)
        let first = judge(target, policy, at: now)
        #expect(first.verdicts[Scenario.crashing]?.summary == "4 restarts in the last 10m (limit 3)")
        // The ReplicaSet replaced the pod: same name pattern, new UID, no restarts.
        let replaced = target.changing(Scenario.crashing) { pod in
            pod.metadata.uid = "00000000-0000-0000-0000-000000000001"
            pod.status?.containerStatuses?[0].restartCount = 0
        }
        let second = judge(replaced, policy, at: now.addingTimeInterval(10), memory: first.memory)
        #expect(second.verdicts[Scenario.crashing]?.findings.contains { $0.rule == "restarts" } == false)
        let oldUID = try #require(target.pod(Scenario.crashing)?.metadata.uid)
        #expect(second.memory[oldUID] == nil, "the replaced pod's memory is forgotten")
    }

    @Test func notReadyForHoldsFromTheConditionsTransitionPlusTheLimit() throws {
        let target = try Scenario.stable()
        let policy = try Scenario.policy(#"{"health":{"notReadyFor":"30s"}}"#)
        let transition = try #require(target.pod(Scenario.crashing)?.condition("Ready")?.lastTransitionTime)
        #expect(judge(target, policy, at: transition.addingTimeInterval(29)).verdicts[Scenario.crashing]?.health == .watching)
        let verdict = try #require(judge(target, policy, at: transition.addingTimeInterval(31)).verdicts[Scenario.crashing])
        #expect(verdict.health == .unhealthy)
        #expect(verdict.since == transition.addingTimeInterval(30))
        #expect(verdict.summary == "not Ready for 31s (notReadyFor 30s): ContainersNotReady")
    }

    @Test func aPodWaitingForItsServingGateIsNotHeldNotReady() throws {
        let stable = try Scenario.stable()
        let policy = try Scenario.policy(#"{"health":{"notReadyFor":"30s"}}"#)
        let transition = try #require(stable.pod(Scenario.crashing)?.condition("Ready")?.lastTransitionTime)
        let gated = stable.changing(Scenario.crashing) { $0.spec?.readinessGates = [.init(conditionType: Action.servingGate)] }
        #expect(judge(gated, policy, at: transition.addingTimeInterval(60)).verdicts[Scenario.crashing]?.findings == [], "the gate is not open yet: not the pod's fault")
        // Opened 10 s ago: the rule counts from the opening, not from Ready's older transition.
        let opened = gated.changing(Scenario.crashing) { $0.set(Action.servingGate, "True", at: transition.addingTimeInterval(50)) }
        #expect(judge(opened, policy, at: transition.addingTimeInterval(60)).verdicts[Scenario.crashing]?.health == .watching)
        #expect(judge(opened, policy, at: transition.addingTimeInterval(81)).verdicts[Scenario.crashing]?.health == .unhealthy)
        // Containers Ready and every gate open: Ready only lags behind; the rule does not hold.
        let lagging = opened.changing(Scenario.crashing) { $0.set("ContainersReady", "True", at: transition.addingTimeInterval(50)) }
        #expect(judge(lagging, policy, at: transition.addingTimeInterval(81)).verdicts[Scenario.crashing]?.findings == [])
    }

    @Test func pendingForAndTerminatedReasons() throws {
        let rollout = try Scenario.rollout()
        let pending = try #require(rollout.pods.first { $0.status?.phase == "Pending" })
        let created = try #require(pending.metadata.creationTimestamp)
        let policy = try Scenario.policy(#"{"health":{"pendingFor":"5m","terminatedReasons":["OOMKilled"]}}"#)
        let verdicts = judge(rollout, policy, at: created.addingTimeInterval(301)).verdicts
        #expect(verdicts[pending.metadata.name!]?.summary == "Pending for 5m1s (pendingFor 5m), not started")
        let crashing = try #require(rollout.pods.first { $0.status?.containerStatuses?.first?.restartCount == 4 })
        #expect(verdicts[crashing.metadata.name!]?.summary == "container shop last terminated: OOMKilled (exit code 137) and is not Ready since")
        // Once the container is Ready again, the old OOM kill no longer counts.
        let ready = rollout.changing(crashing.metadata.name!) { $0.makeReady(at: created) }
        #expect(judge(ready, policy, at: created.addingTimeInterval(301)).verdicts[crashing.metadata.name!]?.health == .healthy)
    }

    @Test(arguments: [
        (nil, "probe result unknown: no result yet", PodHealth.healthy),
        (ProbeSample(time: Date(timeIntervalSince1970: 0), consecutiveFailures: 5), "probe result unknown: the latest result is", PodHealth.healthy),
        (ProbeSample(time: Date(timeIntervalSince1970: 1000), consecutiveFailures: 2, lastError: "connection refused"), nil, PodHealth.healthy),
        (ProbeSample(time: Date(timeIntervalSince1970: 1000), consecutiveFailures: 3, lastError: "HTTP 503"), "probe failed 3 times in a row (failureThreshold 3): HTTP 503", PodHealth.unhealthy),
    ] as [(ProbeSample?, String?, PodHealth)])
    func probeResultsMissingStaleFailing(sample: ProbeSample?, message: String?, health: PodHealth) throws {
        var target = try Scenario.stable()
        let healthy = Scenario.healthy
        target.probes = sample.map { [healthy: $0] } ?? [:]
        let policy = try Scenario.policy(#"{"health":{"probe":{"httpGet":{"port":8080},"period":"10s","timeout":"1s"}}}"#)
        let now = Date(timeIntervalSince1970: 1005)
        let verdict = try #require(judge(target, policy, at: now).verdicts[healthy])
        #expect(verdict.health == health)
        if let message {
            #expect(verdict.summary.hasPrefix(message), "\(verdict.summary)")
        } else {
            #expect(verdict.findings.isEmpty)
        }
    }

    @Test func metricThresholdAndMissingSamplesFollowOnMissing() throws {
        var target = try Scenario.stable()
        let now = Scenario.after(10, target)
        let names = target.podNames
        target.metrics = ["errors": [names[0]: MetricSample(value: 0.2, time: now), names[1]: MetricSample(value: 0.01, time: now.addingTimeInterval(-600))]]
        for (onMissing, missingHealth) in [("ignore", PodHealth.healthy), ("unhealthy", .unhealthy), ("freeze", .healthy)] {
            let policy = try Scenario.policy(#"{"health":{"metrics":[{"name":"errors","query":"q","above":0.05,"onMissing":"\#(onMissing)"}]}}"#)
            let verdicts = judge(target, policy, at: now).verdicts
            #expect(verdicts[names[0]]?.summary == "errors is 0.2, above 0.05")
            let stale = try #require(verdicts[names[1]])
            #expect(stale.summary == "errors unknown: the sample is 10m old (stale after 2m) (onMissing: \(onMissing))")
            #expect(stale.health == missingHealth)
            #expect((stale.freeze != nil) == (onMissing == "freeze"))
            let missing = try #require(verdicts[names[2]])
            #expect(missing.summary == "errors unknown: no sample (onMissing: \(onMissing))")
        }
    }

    @Test func deviationFromPeersUsesTheMedianOfTheOthers() throws {
        var target = try Scenario.stable()
        let now = Scenario.after(10, target)
        let names = target.podNames
        let policy = try Scenario.policy(#"{"health":{"metrics":[{"name":"latency","query":"q","deviationFromPeers":0.5}]}}"#)
        target.metrics = ["latency": [names[0]: .init(value: 0.1, time: now), names[1]: .init(value: 0.1, time: now), names[2]: .init(value: 0.3, time: now)]]
        var verdicts = judge(target, policy, at: now).verdicts
        #expect(verdicts[names[2]]?.summary == "latency is 0.3, 200% from the median 0.1 of 2 peers (deviationFromPeers 50%)")
        // The others: E is the median of 0.1 and 0.3, 0.2; F = 0.5, not above the limit.
        #expect(verdicts[names[0]]?.findings.isEmpty == true)

        target.metrics["latency"]?[names[0]] = nil
        verdicts = judge(target, policy, at: now).verdicts
        #expect(verdicts[names[2]]?.summary == "latency not compared with peers: 2 pods have fresh samples; a peer comparison needs 3")

        target.metrics = ["latency": [names[0]: .init(value: 0, time: now), names[1]: .init(value: 0, time: now), names[2]: .init(value: 4, time: now)]]
        verdicts = judge(target, policy, at: now).verdicts
        #expect(verdicts[names[2]]?.summary == "latency not compared with peers: the peers' median is 0, so a relative deviation means nothing")
    }

    @Test func aFailedQueryMakesEveryPodUnknown() throws {
        var target = try Scenario.stable()
        target.metricErrors = ["errors": "Prometheus answered 503"]
        let policy = try Scenario.policy(#"{"health":{"metrics":[{"name":"errors","query":"q","above":1}]}}"#)
        let verdicts = judge(target, policy, at: Scenario.after(1, target)).verdicts
        #expect(verdicts.values.allSatisfy { $0.findings.contains { $0.state == .unknown && $0.message.contains("the query failed: Prometheus answered 503") } })
    }
}
