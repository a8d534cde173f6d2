import Foundation
import KubernetesAPI
import ResilienceCore
@testable import ResilienceOperator
import TestSupport
import Testing

/// The operator's pure parts: the evidence it keeps, the operator-wide budget, the memory in the status.
@Suite struct OperatorPartsTests {
    @Test func evidenceQuotesThePodsStateRestartsAndRecentWarnings() throws {
        let decoder = KubernetesJSON.decoder()
        let pods = try decoder.decode(ResourceList<Pod>.self, from: Fixture.data("stable-pod-list.json")).items
        let warnings = try decoder.decode(ResourceList<Event>.self, from: Fixture.data("stable-pod-warnings.json")).items.map(OperatorCaches.eventProjection)
        let sick = try #require(pods.first { $0.status?.containerStatuses?.first?.state?.waiting?.reason == "CrashLoopBackOff" })
        let container = try #require(sick.status?.containerStatuses?.first)
        let evidence = Evidence.of(sick, events: warnings)
        #expect(evidence.hasPrefix("phase Running, Ready=False (ContainersNotReady); "), "\(evidence)")
        let last = try #require(container.lastState?.terminated)
        #expect(evidence.contains("\(container.name): \(container.restartCount) restarts, waiting CrashLoopBackOff, last terminated \(last.reason ?? "") exit \(last.exitCode) at "), "\(evidence)")
        #expect(evidence.contains("events: ") && evidence.contains("BackOff x5: Back-off restarting failed container"), "\(evidence)")
        #expect(evidence.contains("Unhealthy x3: Liveness probe failed: HTTP probe failed with statuscode: 500"), "\(evidence)")
        #expect(Evidence.of(sick, events: Array(repeating: warnings[0], count: 50)).count <= Evidence.limit)
    }

    /// The cache keeps of a pod's Warning Event what the evidence quotes, and finds it by the pod's UID.
    @Test func aCachedWarningKeepsWhatTheEvidenceQuotes() throws {
        let listed = try KubernetesJSON.decoder().decode(ResourceList<Event>.self, from: Fixture.data("stable-pod-warnings.json")).items
        #expect(listed.count == 2 && listed.allSatisfy { $0.type == "Warning" && $0.involvedObject.kind == "Pod" })
        let long = try #require(listed.first { $0.reason == "Unhealthy" })
        #expect((long.message?.utf8.count ?? 0) > OperatorCaches.eventMessageLimit)
        let kept = OperatorCaches.eventProjection(long)
        #expect(kept.metadata.name == long.metadata.name && kept.metadata.namespace == long.metadata.namespace)
        #expect(kept.metadata.resourceVersion == long.metadata.resourceVersion)
        #expect(kept.involvedObject.uid == long.involvedObject.uid && kept.involvedObject.name == long.involvedObject.name)
        #expect(kept.reason == "Unhealthy" && kept.type == "Warning" && kept.count == 3)
        #expect(kept.lastTimestamp == long.lastTimestamp && kept.lastTimestamp != nil)
        #expect(kept.source == nil && kept.reportingComponent == nil && kept.firstTimestamp == nil && kept.involvedObject.fieldPath == nil)
        let message = try #require(kept.message)
        #expect(message.hasPrefix("Liveness probe failed: HTTP probe failed with statuscode: 500") && message.hasSuffix("…"))
        #expect(message.utf8.count <= OperatorCaches.eventMessageLimit + "…".utf8.count)
    }

    @Test func theOperatorWideBudgetRefusesBeyondItsCountUntilTheOldestLeavesTheWindow() throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let budget = ClusterBudget(count: 2, window: 60, taken: [start.addingTimeInterval(-30)])
        #expect(throws: Never.self) { try budget.take(at: start).get() }
        guard case .failure(let refusal) = budget.take(at: start.addingTimeInterval(1)) else { Issue.record("a third action in the window"); return }
        #expect(refusal.resetsAt == start.addingTimeInterval(30))
        #expect(refusal.description.contains("the operator-wide budget of 2 actions per 60s is used up until"))
        #expect(throws: Never.self) { try budget.take(at: start.addingTimeInterval(31)).get() }
    }

    @Test func theStatusCarriesTheMemoryWithoutRestartSamples() throws {
        var history = RemediationHistory()
        history.pods["uid"] = .init()
        history.revisions["rs"] = .healthy
        let status = StatusBuilder.status(PolicyPlan(policy: "ns/web", outcome: .targetMissing("gone")), entries: [], previous: nil, generation: 1,
                                          memory: history, rehearsal: nil, policy: nil, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(status.memory?.revisions == ["rs": .healthy])
        #expect(status.memory?.pods.isEmpty == true)
        let decoded = try KubernetesJSON.decoder().decode(PolicyStatus.self, from: KubernetesJSON.encoder().encode(status))
        #expect(decoded == status, "the memory survives the trip through the API")
    }
}
