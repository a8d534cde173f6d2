import Foundation
import KubernetesAPI
import PodSimulator
import TestSupport
import Testing

/// The simulated kubelet's behaviour, as a pure function of the pod, its record, its faults and the time.
@Suite struct KubeletModelTests {
    /// A pod as the API server returned it after scheduling (captured), read as the simulator reads it.
    private func pod(gates: [String] = []) throws -> SimulatedPod {
        var pod = try KubernetesJSON.decoder().decode(ResourceList<SimulatedPod>.self, from: Fixture.data("pod-list-pending.json")).items[0]
        pod.spec.readinessGates = gates.map { Pod.ReadinessGate(conditionType: $0) }
        return pod
    }

    private let start = Date(timeIntervalSince1970: 1_800_000_000)
    private var record: PodRecord { PodRecord(ip: "127.1.0.7", startedAt: start) }

    private func ready(_ reaction: KubeletModel.Reaction) -> String? {
        reaction.status.conditions?.first { $0.type == "Ready" }?.status
    }

    @Test func aPodRunsAtOnceAndIsReadyAfterTheReadinessDelay() throws {
        let settings = KubeletSettings()
        let early = KubeletModel.react(pod: try pod(), record: record, faults: Faults(), settings: settings, now: start)
        #expect(early.status.phase == "Running")
        #expect(early.status.podIP == "127.1.0.7")
        #expect(ready(early) == "False")
        #expect(early.nextChange == start.addingTimeInterval(1))
        let later = KubeletModel.react(pod: try pod(), record: record, faults: Faults(), settings: settings, now: start.addingTimeInterval(1))
        #expect(ready(later) == "True")
        #expect(later.nextChange == nil)
        #expect(later.status.containerStatuses?.first?.ready == true)
    }

    @Test func aReadinessGateKeepsThePodUnreadyUntilItsConditionIsTrue() throws {
        var gated = try pod(gates: ["resilience.dev/serving"])
        let now = start.addingTimeInterval(5)
        let closed = KubeletModel.react(pod: gated, record: record, faults: Faults(), settings: KubeletSettings(), now: now)
        #expect(ready(closed) == "False")
        #expect(closed.status.conditions?.first { $0.type == "Ready" }?.reason == "ReadinessGatesNotReady")
        #expect(closed.status.conditions?.first { $0.type == "ContainersReady" }?.status == "True")
        gated.status?.conditions = [Condition(type: "resilience.dev/serving", status: "True")]
        #expect(ready(KubeletModel.react(pod: gated, record: record, faults: Faults(), settings: KubeletSettings(), now: now)) == "True")
    }

    @Test func aCrashLoopRestartsWithTheKubeletsBackOff() throws {
        let faults = try Faults(parsing: "crashLoop")
        let settings = KubeletSettings()
        func at(_ seconds: Double) throws -> ContainerStatus? {
            KubeletModel.react(pod: try pod(), record: record, faults: faults, settings: settings, now: start.addingTimeInterval(seconds)).status.containerStatuses?.first
        }
        // Runs 2 s, then back-off 10 s, runs 2 s, back-off 20 s, ...
        #expect(try at(1)?.state?.running != nil)
        #expect(try at(3)?.state?.waiting?.reason == "CrashLoopBackOff")
        #expect(try at(3)?.lastState?.terminated?.reason == "Error")
        #expect(try at(3)?.restartCount == 0)
        #expect(try at(13)?.restartCount == 1)
        #expect(try at(13)?.state?.running != nil)
        #expect(try at(15)?.state?.waiting?.message == "back-off 20s restarting failed container=\(try pod().spec.containers[0].name)")
        #expect(try at(37)?.restartCount == 2)
        let oom = KubeletModel.react(pod: try pod(), record: record, faults: try Faults(parsing: "oomKilled"), settings: settings, now: start.addingTimeInterval(3))
        #expect(oom.status.containerStatuses?.first?.lastState?.terminated?.reason == "OOMKilled")
        #expect(oom.status.containerStatuses?.first?.lastState?.terminated?.exitCode == 137)
    }

    @Test func aCrashLoopCountsFromItsInjectionAndItsRestartsStay() throws {
        let settings = KubeletSettings()
        let injected = start.addingTimeInterval(100)
        var record = KubeletModel.faultsChanged(record, from: Faults(), to: try Faults(parsing: "crashLoop"), settings: settings, now: injected)
        let status = KubeletModel.react(pod: try pod(), record: record, faults: try Faults(parsing: "crashLoop"), settings: settings, now: injected.addingTimeInterval(13))
        #expect(status.status.containerStatuses?.first?.restartCount == 1)
        record = KubeletModel.faultsChanged(record, from: try Faults(parsing: "crashLoop"), to: Faults(), settings: settings, now: injected.addingTimeInterval(13))
        let healed = KubeletModel.react(pod: try pod(), record: record, faults: Faults(), settings: settings, now: injected.addingTimeInterval(20))
        #expect(healed.status.containerStatuses?.first?.restartCount == 2)
        #expect(ready(healed) == "True")
    }

    @Test func imagePullErrorsNotReadySlowStart() throws {
        let pull = KubeletModel.react(pod: try pod(), record: record, faults: try Faults(parsing: "imagePullError"), settings: KubeletSettings(), now: start.addingTimeInterval(6))
        #expect(pull.status.phase == "Pending")
        #expect(pull.status.containerStatuses?.first?.state?.waiting?.reason == "ImagePullBackOff")
        let never = KubeletModel.react(pod: try pod(), record: record, faults: try Faults(parsing: "notReady"), settings: KubeletSettings(), now: start.addingTimeInterval(600))
        #expect(ready(never) == "False")
        let slow = try Faults(parsing: "slowStart=30s")
        #expect(ready(KubeletModel.react(pod: try pod(), record: record, faults: slow, settings: KubeletSettings(), now: start.addingTimeInterval(29))) == "False")
        #expect(ready(KubeletModel.react(pod: try pod(), record: record, faults: slow, settings: KubeletSettings(), now: start.addingTimeInterval(30))) == "True")
    }

    @Test func deletionEndsAfterTheShutdownOrTheWholeGracePeriodWhenItHangs() throws {
        var deleted = try pod()
        let grace = start.addingTimeInterval(30)
        deleted.metadata.deletionTimestamp = grace
        var record = record
        record.deletionSeenAt = start
        let quick = KubeletModel.react(pod: deleted, record: record, faults: Faults(), settings: KubeletSettings(), now: start)
        #expect(!quick.remove)
        #expect(quick.nextChange == start.addingTimeInterval(0.5))
        #expect(KubeletModel.react(pod: deleted, record: record, faults: Faults(), settings: KubeletSettings(), now: start.addingTimeInterval(1)).remove)
        let hang = try Faults(parsing: "hangOnTermination")
        #expect(!KubeletModel.react(pod: deleted, record: record, faults: hang, settings: KubeletSettings(), now: start.addingTimeInterval(29)).remove)
        #expect(KubeletModel.react(pod: deleted, record: record, faults: hang, settings: KubeletSettings(), now: grace).remove)
        // A node that stopped answering never confirms the deletion: the pod stays Terminating.
        let stuck = try Faults(parsing: "stuckTerminating")
        let late = KubeletModel.react(pod: deleted, record: record, faults: stuck, settings: KubeletSettings(), now: grace.addingTimeInterval(3600))
        #expect(!late.remove)
        #expect(late.nextChange == nil || late.nextChange! > grace.addingTimeInterval(3600))
    }

    @Test(arguments: [
        ("crashLoop,errorRatio=0.25", nil),
        ("latency=500ms,healthHang", nil),
        ("slowStart=soon", "fault 'slowStart=soon' is not understood: expected a duration such as 30s"),
        ("errorRatio=2", "fault 'errorRatio=2' is not understood: expected a share from 0 to 1"),
        ("explode", "fault 'explode' is not understood: expected one of crashLoop, oomKilled, notReady, imagePullError, hangOnTermination, stuckTerminating, healthFail, healthHang, slowStart=30s, errorRatio=0.3, latency=500ms"),
    ] as [(String, String?)])
    func faultAnnotationsAreReadOrRefusedByName(text: String, expected: String?) throws {
        do {
            let faults = try Faults(parsing: text)
            #expect(expected == nil, "\(faults)")
            #expect(try Faults(parsing: faults.description) == faults, "the description reads back")
        } catch {
            #expect(error.description == expected)
        }
    }
}
