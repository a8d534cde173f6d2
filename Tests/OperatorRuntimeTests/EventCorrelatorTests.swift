import KubernetesAPI
import OperatorRuntime
import TestSupport
import Testing

/// The Event spam filter and aggregation, on a manual clock.
@Suite struct EventCorrelatorTests {
    private let pod = ObjectReference(apiVersion: "v1", kind: "Pod", namespace: "shop", name: "web-1", uid: "uid-1")
    private func at(_ seconds: Int64) -> ManualClock.Instant { ManualClock.Instant(offset: .seconds(seconds)) }

    /// One object's Events: a burst of 25 writes, then one more each 5 minutes; another object is not held.
    @Test func anObjectsEventsAreHeldToABurstThenOneEveryFiveMinutes() {
        var correlator = EventCorrelator<ManualClock.Instant>()
        let written = (0..<40).filter { _ in correlator.correlate(pod, type: "Warning", reason: "ActionBlocked", action: "restartPod", message: "refused", at: at(0)) != nil }
        #expect(written.count == EventCorrelator<ManualClock.Instant>.burst)
        #expect(correlator.correlate(pod, type: "Warning", reason: "ActionBlocked", action: "restartPod", message: "refused", at: at(299)) == nil)
        #expect(correlator.correlate(pod, type: "Warning", reason: "ActionBlocked", action: "restartPod", message: "refused", at: at(300)) != nil)
        #expect(correlator.correlate(pod, type: "Warning", reason: "ActionBlocked", action: "restartPod", message: "refused", at: at(301)) == nil)
        var other = pod
        other.name = "web-2"
        other.uid = "uid-2"
        #expect(correlator.correlate(other, type: "Warning", reason: "ActionBlocked", action: "restartPod", message: "refused", at: at(301)) != nil)
        #expect(correlator.correlate(pod, type: "Normal", reason: "Restarted", action: "restartPod", message: "done", at: at(301)) != nil, "another reason has its own bucket")
    }

    /// Ten different messages of one kind about one object within 10 minutes: from the tenth on they are one
    /// combined Event (one key, so its count rises); after the window they are told apart again.
    @Test func similarEventsAreCombinedIntoOne() {
        var correlator = EventCorrelator<ManualClock.Instant>()
        let outcomes = (1...12).compactMap { number in
            correlator.correlate(pod, type: "Warning", reason: "ActionBlocked", action: "restartPod", message: "refused \(number)", at: at(Int64(number)))
        }
        #expect(Set(outcomes.prefix(9).map(\.key)).count == 9)
        #expect(outcomes.prefix(9).allSatisfy { !$0.message.hasPrefix("(combined") })
        #expect(Set(outcomes.dropFirst(9).map(\.key)).count == 1)
        #expect(outcomes.last?.message == "(combined from similar events): refused 12")
        let later = correlator.correlate(pod, type: "Warning", reason: "ActionBlocked", action: "restartPod", message: "refused 13", at: at(700))
        #expect(later?.message == "refused 13")
        // The same message again is the same Event, counted.
        #expect(correlator.correlate(pod, type: "Warning", reason: "ActionBlocked", action: "restartPod", message: "refused 13", at: at(701))?.key == later?.key)
    }
}
