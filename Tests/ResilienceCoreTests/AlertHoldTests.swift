import Foundation
import KubernetesAPI
import ResilienceCore
import Testing

/// `spec.safety.holdWhileAlerts`: which firing alerts match, and the hold they put on every action.
@Suite struct AlertHoldTests {
    private static let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s","holdWhileAlerts":{"alerts":[{"alertname":"RegionDown"},{"alertname":"KubeUpgrade","cluster":"prod"}]}}}"#

    @Test func anAlertMatchesWhenItCarriesEveryLabelOfAnEntry() {
        let alerts: [[String: String]] = [
            ["alertname": "RegionDown", "region": "eu-west-1"],
            ["alertname": "KubeUpgrade", "cluster": "staging"],
            ["alertname": "KubeUpgrade", "cluster": "prod", "severity": "info"],
            ["alertname": "HighLatency"],
        ]
        let matched = AlertHoldReading.matching(alerts, entries: [["alertname": "RegionDown"], ["alertname": "KubeUpgrade", "cluster": "prod"]])
        #expect(matched == [#"KubeUpgrade{cluster="prod",severity="info"}"#, #"RegionDown{region="eu-west-1"}"#])
        #expect(AlertHoldReading.matching(alerts, entries: [[:]]).isEmpty, "an empty entry matches nothing")
    }

    @Test func aFiringAlertHoldsEveryActionButNewPodsGates() throws {
        let target = try Scenario.stable()
        let now = Scenario.after(5, target)
        let policy = try Scenario.policy(Self.spec)
        let hold = try #require(policy.holdWhileAlerts)
        let reading = AlertHoldReading(source: "Alertmanager http://alertmanager:9093", firing: [#"RegionDown{region="eu-west-1"}"#])
        let held = Planner.plan(policy: policy, targets: [target], hold: reading.holdReason(freezesOnMissing: hold.freezesOnMissing).map { PolicyHold(check: .alertHold, reason: $0) }, history: .init(), now: now)
        let decision = try #require(held.decisions.first { $0.step == .restartPod })
        #expect(decision.disposition == .blocked)
        #expect(decision.blockedBy == .alertHold)
        #expect(decision.reason.hasSuffix(#"held: RegionDown{region="eu-west-1"} fires (Alertmanager http://alertmanager:9093, spec.safety.holdWhileAlerts): no action until it is resolved"#), "\(decision.reason)")
        #expect(held.targets[0].unhealthy == 1, "pods are still judged")
        // A pod that flaps while held (the crash loop's container starts between back-offs) opens and
        // closes episodes in which nothing was done: they are not the Deployment coming back after
        // remediation, and the loop breaker does not count them.
        let running = try #require(target.pods.first { $0.isReady })
        let recovered = target.changing(Scenario.crashing) { $0.status = running.status }
        var history = held.history
        for second in 1...8 {
            let observed = second % 2 == 0 ? target : recovered
            history = Planner.plan(policy: policy, targets: [observed], hold: reading.holdReason(freezesOnMissing: true).map { PolicyHold(check: .alertHold, reason: $0) }, history: history, now: now.addingTimeInterval(Double(second))).history
        }
        #expect(history.episodeStarts.isEmpty, "\(history.episodeStarts)")
        let lifted = Planner.plan(policy: policy, targets: [target], hold: nil, history: history, now: now.addingTimeInterval(9))
        #expect(lifted.executable.compactMap(\.step) == [.restartPod], "\(lifted.decisions.map(\.reason))")
        // Resolved: the same plan acts.
        let free = Planner.plan(policy: policy, targets: [target], hold: AlertHoldReading(source: "x").holdReason(freezesOnMissing: true).map { PolicyHold(check: .alertHold, reason: $0) }, history: .init(), now: now)
        #expect(free.executable.compactMap(\.step) == [.restartPod])
    }

    @Test func anUnreadableSourceFollowsOnMissing() throws {
        let unreadable = AlertHoldReading(source: "Alertmanager http://alertmanager:9093", error: "connection refused")
        #expect(unreadable.holdReason(freezesOnMissing: true) == "the alerts of spec.safety.holdWhileAlerts cannot be read from Alertmanager http://alertmanager:9093 (connection refused) and onMissing is freeze: no action until they can")
        #expect(unreadable.holdReason(freezesOnMissing: false) == nil)
        let ignoring = try Scenario.policy(#"{"safety":{"holdWhileAlerts":{"alerts":[{"alertname":"RegionDown"}],"onMissing":"ignore"}}}"#)
        #expect(ignoring.holdWhileAlerts?.freezesOnMissing == false)
        #expect(try Scenario.policy(Self.spec).holdWhileAlerts?.freezesOnMissing == true, "freeze by default")
    }
}
