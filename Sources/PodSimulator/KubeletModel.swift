#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// What the simulator remembers of one pod it runs.
public struct PodRecord: Sendable, Equatable {
    /// The pod's address, from the loopback range.
    public var ip: String
    /// When its sandbox started: the pod became Running.
    public var startedAt: Date
    /// When the simulator first saw the pod's deletionTimestamp.
    public var deletionSeenAt: Date?
    /// When the current crash loop (or OOM loop) began: the fault's injection, or the pod's start.
    public var crashingSince: Date?
    /// Restarts from crash loops that have ended.
    public var earlierRestarts = 0

    public init(ip: String, startedAt: Date, deletionSeenAt: Date? = nil) {
        self.ip = ip
        self.startedAt = startedAt
        self.deletionSeenAt = deletionSeenAt
    }
}

/// The kubelet's timings, scaled together so that tests can run a crash loop in seconds.
public struct KubeletSettings: Sendable, Equatable {
    /// Multiplies every delay below and the kubelet's restart back-off (10 s doubling to 5 min).
    public var timeScale: Double = 1
    /// How long a container takes to become Ready when its probe sets no longer initial delay.
    public var readinessDelay: TimeInterval = 1
    /// How long a crash-looping container runs before it exits.
    public var crashAfter: TimeInterval = 2
    /// How long a graceful shutdown takes.
    public var terminationTime: TimeInterval = 0.5
    /// How long ErrImagePull shows before ImagePullBackOff.
    public var pullFailure: TimeInterval = 5

    public init(timeScale: Double = 1) {
        self.timeScale = timeScale
    }
}

/// The kubelet's behaviour as a pure function: the status a pod should report now, and when it next
/// changes by itself. The ``Kubelet`` writes that status and sleeps until then.
public enum KubeletModel {
    /// What the kubelet does now.
    public struct Reaction: Sendable, Equatable {
        /// The status to report.
        public var status: Pod.Status
        /// When the status next changes by itself (a crash, a restart, readiness), if it does.
        public var nextChange: Date?
        /// The pod's termination is complete: remove it.
        public var remove: Bool
    }

    /// The record after the faults changed at `now`: a crash loop starts counting from its injection, and
    /// restarts of a loop that ended stay counted.
    public static func faultsChanged(_ record: PodRecord, from old: Faults, to new: Faults, settings: KubeletSettings, now: Date) -> PodRecord {
        var record = record
        let was = old.crashLoop || old.oomKilled, crashes = new.crashLoop || new.oomKilled
        if was, !crashes, let since = record.crashingSince {
            let (ended, _) = crashLoop("", since: since, oom: old.oomKilled, settings: settings, now: now)
            record.earlierRestarts += ended.restartCount + 1
            record.crashingSince = nil
        } else if !was, crashes {
            record.crashingSince = now
        }
        return record
    }

    public static func react(pod: SimulatedPod, record: PodRecord, faults: Faults, settings: KubeletSettings, now: Date) -> Reaction {
        let scale = settings.timeScale
        let existing = pod.status?.conditions ?? []
        func condition(_ type: String, _ isTrue: Bool, reason: String? = nil) -> Condition {
            let status = isTrue ? "True" : "False"
            let previous = existing.first { $0.type == type }
            let since = previous?.status == status ? previous?.lastTransitionTime ?? now : now
            return Condition(type: type, status: status, reason: reason, lastTransitionTime: since)
        }
        var wakes: [Date] = []
        var remove = false
        if let deleted = pod.metadata.deletionTimestamp, !faults.stuckTerminating {
            let done = faults.hangOnTermination ? deleted : (record.deletionSeenAt ?? now).addingTimeInterval(settings.terminationTime * scale)
            if now >= done { remove = true } else { wakes.append(done) }
        }

        var containers: [ContainerStatus] = []
        var containersReady = true
        var phase = "Running"
        for (index, container) in pod.spec.containers.enumerated() {
            let faulty = index == 0
            var status: ContainerStatus
            if faulty, faults.imagePullError {
                phase = "Pending"
                let backOff = record.startedAt.addingTimeInterval(settings.pullFailure * scale)
                let reason = now < backOff ? "ErrImagePull" : "ImagePullBackOff"
                if now < backOff { wakes.append(backOff) }
                status = ContainerStatus(name: container.name, ready: false, restartCount: 0,
                                         state: .init(waiting: .init(reason: reason, message: "failed to pull image \"\(container.image ?? "")\": simulated")))
            } else if faulty, faults.crashLoop || faults.oomKilled {
                var (crash, wake) = crashLoop(container.name, since: record.crashingSince ?? record.startedAt, oom: faults.oomKilled, settings: settings, now: now)
                crash.restartCount += record.earlierRestarts
                status = crash
                wakes.append(wake)
            } else {
                let delay = max(settings.readinessDelay, Double(container.readinessProbe?.initialDelaySeconds ?? 0)) * scale
                let readyAt = record.startedAt.addingTimeInterval(faulty ? faults.slowStart.map { $0 * scale } ?? delay : delay)
                let ready = !(faulty && faults.notReady) && now >= readyAt && pod.metadata.deletionTimestamp == nil
                if now < readyAt, !(faulty && faults.notReady) { wakes.append(readyAt) }
                status = ContainerStatus(name: container.name, ready: ready, restartCount: faulty ? record.earlierRestarts : 0,
                                         state: .init(running: .init(startedAt: record.startedAt)))
            }
            containersReady = containersReady && status.ready
            containers.append(status)
        }
        // Readiness gates, as the kubelet honours them: Ready only while every gate's condition is True.
        let gates = (pod.spec.readinessGates ?? []).map(\.conditionType)
        let closedGates = gates.filter { gate in existing.first { $0.type == gate }?.status != "True" }
        let ready = containersReady && closedGates.isEmpty
        let readyReason = !containersReady ? "ContainersNotReady" : closedGates.isEmpty ? nil : "ReadinessGatesNotReady"
        let status = Pod.Status(
            phase: phase, podIP: record.ip, startTime: record.startedAt,
            conditions: [
                condition("Initialized", true),
                condition("Ready", ready, reason: readyReason),
                condition("ContainersReady", containersReady, reason: containersReady ? nil : "ContainersNotReady"),
                condition("PodScheduled", true),
            ],
            containerStatuses: containers)
        return Reaction(status: status, nextChange: wakes.filter { $0 > now }.min(), remove: remove)
    }

    /// A container that runs `crashAfter`, exits, and waits the kubelet's back-off (10 s doubling, at
    /// most 5 min, scaled) before each restart.
    private static func crashLoop(_ name: String, since start: Date, oom: Bool, settings: KubeletSettings, now: Date) -> (ContainerStatus, Date) {
        let scale = settings.timeScale
        let reason = oom ? "OOMKilled" : "Error", exitCode = oom ? 137 : 1
        var runStart = start
        var restarts = 0
        var lastEnd: Date?
        while true {
            let runEnd = runStart.addingTimeInterval(settings.crashAfter * scale)
            let last = lastEnd.map { ContainerStatus.State(terminated: .init(exitCode: exitCode, reason: reason, finishedAt: $0)) }
            if now < runEnd || restarts >= 1000 {
                return (ContainerStatus(name: name, ready: false, restartCount: restarts, state: .init(running: .init(startedAt: runStart)), lastState: last), runEnd)
            }
            let backOff = min(10 * Double(1 << min(restarts, 20)), 300) * scale
            let restartAt = runEnd.addingTimeInterval(backOff)
            if now < restartAt {
                let waiting = ContainerStatus.State(waiting: .init(reason: "CrashLoopBackOff", message: "back-off \(Int(backOff))s restarting failed container=\(name)"))
                let ended = ContainerStatus.State(terminated: .init(exitCode: exitCode, reason: reason, finishedAt: runEnd))
                return (ContainerStatus(name: name, ready: false, restartCount: restarts, state: waiting, lastState: ended), restartAt)
            }
            lastEnd = runEnd
            runStart = restartAt
            restarts += 1
        }
    }
}
