#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// Every health rule of a policy applied to one pod: the findings, and the pod's memory updated.
struct PodRules {
    let pod: Pod
    let policy: EffectivePolicy
    let now: Date
    private(set) var memory: RemediationHistory.PodMemory
    private(set) var findings: [Finding] = []
    /// The message of the first finding whose missing sample freezes the policy.
    private(set) var freeze: String?
    /// When a rule's answer for this pod flips with time alone.
    private(set) var wake: WakeTime

    init(pod: Pod, policy: EffectivePolicy, memory: RemediationHistory.PodMemory, now: Date) {
        self.pod = pod
        self.policy = policy
        self.memory = memory
        self.now = now
        self.wake = WakeTime(now: now)
    }

    private var name: String { pod.metadata.name ?? "" }
    private var containers: [ContainerStatus] { pod.status?.containerStatuses ?? [] }

    mutating func evaluate(target: TargetObservation, peers: PeerValues) {
        let health = policy.health
        if let limit = health.notReadyFor { notReady(limit) }
        if let limit = health.pendingFor { pending(limit) }
        if let rule = health.restarts { restarts(limit: rule.limit, window: rule.window) }
        if !health.waitingReasons.isEmpty { waiting(health.waitingReasons) }
        if !health.terminatedReasons.isEmpty { terminated(health.terminatedReasons) }
        if let probe = health.probe { self.probe(probe, sample: target.probes[name]) }
        for rule in health.metrics {
            metric(rule, sample: target.metrics[rule.name]?[name], error: target.metricErrors[rule.name], peers: peers)
        }
    }

    // MARK: Rules

    private mutating func notReady(_ limit: PolicyDuration) {
        guard pod.status?.phase == "Running", let ready = pod.condition("Ready"), ready.status != "True" else {
            return clear("notReadyFor")
        }
        var start = ready.lastTransitionTime ?? pod.status?.startTime ?? firstSeen("notReadyFor")
        let gates = pod.spec?.readinessGates ?? []
        if pod.condition("ContainersReady")?.status == "True", !gates.isEmpty, gates.allSatisfy({ pod.condition($0.conditionType)?.status == "True" }) {
            // Every part of Ready holds: the kubelet has not written Ready yet.
            return clear("notReadyFor")
        }
        if gates.contains(where: { $0.conditionType == Action.servingGate }) {
            // A pod waiting for the operator to open its serving gate is not at fault, and the Ready
            // condition lags the gate's opening: count from the opening.
            guard let gate = pod.condition(Action.servingGate), gate.status == "True" else { return clear("notReadyFor") }
            start = max(start, gate.lastTransitionTime ?? start)
        }
        memory.holdingSince["notReadyFor"] = start
        let holdsAt = start.addingTimeInterval(limit.seconds)
        wake.at(holdsAt)
        guard now >= holdsAt else { return }
        findings.append(Finding(
            rule: "notReadyFor", state: .holds, since: holdsAt,
            message: "not Ready for \(Seconds(now.timeIntervalSince(start))) (notReadyFor \(limit))\(ready.reason.map { ": \($0)" } ?? "")"))
    }

    private mutating func pending(_ limit: PolicyDuration) {
        guard pod.status?.phase == "Pending" else { return }
        let start = pod.metadata.creationTimestamp ?? firstSeen("pendingFor")
        let holdsAt = start.addingTimeInterval(limit.seconds)
        wake.at(holdsAt)
        guard now >= holdsAt else { return }
        let scheduled = pod.condition("PodScheduled")
        let why = scheduled?.status == "False" ? "unschedulable: \(scheduled?.message ?? scheduled?.reason ?? "")" : "not started"
        findings.append(Finding(
            rule: "pendingFor", state: .holds, since: holdsAt,
            message: "Pending for \(Seconds(now.timeIntervalSince(start))) (pendingFor \(limit)), \(why)"))
    }

    private mutating func restarts(limit: Int, window: PolicyDuration) {
        let total = containers.reduce(0) { $0 + $1.restartCount }
        if memory.restarts.last?.count != total {
            memory.restarts.append(RemediationHistory.RestartSample(time: now, count: total))
        }
        let windowStart = now.addingTimeInterval(-window.seconds)
        // Keep the newest sample at or before the window's start as the baseline, and all after it.
        if let baseline = memory.restarts.lastIndex(where: { $0.time <= windowStart }), baseline > 0 {
            memory.restarts.removeFirst(baseline)
        }
        // Each sample becomes the baseline once it leaves the window, and the count can drop.
        for sample in memory.restarts { wake.at(sample.time.addingTimeInterval(window.seconds)) }
        if let created = pod.metadata.creationTimestamp { wake.at(created.addingTimeInterval(window.seconds)) }
        let baseline: Int
        if let first = memory.restarts.first, first.time <= windowStart {
            baseline = first.count
        } else if let created = pod.metadata.creationTimestamp, created >= windowStart {
            baseline = 0  // every restart of a pod this young is within the window
        } else {
            baseline = memory.restarts.first?.count ?? total  // restarts before the operator looked are not counted
        }
        let counted = max(0, total - baseline)
        guard counted > limit else { return }
        let since = memory.restarts.first { $0.count - baseline > limit }?.time ?? now
        findings.append(Finding(
            rule: "restarts", state: .holds, since: since,
            message: "\(counted) restarts in the last \(window) (limit \(limit))"))
    }

    private mutating func waiting(_ reasons: Set<String>) {
        let matches = containers.filter { $0.state?.waiting?.reason.map(reasons.contains) == true }
        guard let container = matches.first, let reason = container.state?.waiting?.reason else {
            return clear("waitingReasons")
        }
        findings.append(Finding(
            rule: "waitingReasons", state: .holds, since: firstSeen("waitingReasons"),
            message: "container \(container.name) is waiting: \(reason)"))
    }

    private mutating func terminated(_ reasons: Set<String>) {
        for container in containers {
            if let ended = container.state?.terminated, let reason = ended.reason, reasons.contains(reason) {
                findings.append(Finding(
                    rule: "terminatedReasons", state: .holds, since: ended.finishedAt ?? firstSeen("terminatedReasons"),
                    message: "container \(container.name) terminated: \(reason) (exit code \(ended.exitCode))"))
                return
            }
            // A previous run's end counts until the container is Ready again.
            if !container.ready, let ended = container.lastState?.terminated, let reason = ended.reason, reasons.contains(reason) {
                findings.append(Finding(
                    rule: "terminatedReasons", state: .holds, since: ended.finishedAt ?? firstSeen("terminatedReasons"),
                    message: "container \(container.name) last terminated: \(reason) (exit code \(ended.exitCode)) and is not Ready since"))
                return
            }
        }
        clear("terminatedReasons")
    }

    private mutating func probe(_ probe: EffectivePolicy.Probe, sample: ProbeSample?) {
        guard let sample, now.timeIntervalSince(sample.time) <= probe.staleAfter else {
            clear("probe")
            let age = sample.map { "the latest result is \(Seconds(now.timeIntervalSince($0.time))) old (stale after \(Seconds(probe.staleAfter)))" }
            findings.append(Finding(rule: "probe", state: .unknown, message: "probe result unknown: \(age ?? "no result yet")"))
            return
        }
        wake.at(sample.time.addingTimeInterval(probe.staleAfter))
        guard sample.consecutiveFailures >= probe.failureThreshold else { return clear("probe") }
        findings.append(Finding(
            rule: "probe", state: .holds, since: firstSeen("probe"),
            message: "probe failed \(sample.consecutiveFailures) times in a row (failureThreshold \(probe.failureThreshold))\(sample.lastError.map { ": \($0)" } ?? "")"))
    }

    private mutating func metric(_ rule: EffectivePolicy.Metric, sample: MetricSample?, error: String?, peers: PeerValues) {
        let id = "metrics.\(rule.name)"
        guard let sample, error == nil, now.timeIntervalSince(sample.time) <= EffectivePolicy.metricStaleAfter else {
            let why = error.map { "the query failed: \($0)" }
                ?? sample.map { "the sample is \(Seconds(now.timeIntervalSince($0.time))) old (stale after \(Seconds(EffectivePolicy.metricStaleAfter)))" }
                ?? "no sample"
            return missing(rule, id: id, why: why)
        }
        wake.at(sample.time.addingTimeInterval(EffectivePolicy.metricStaleAfter))
        var held: [String] = []
        if let above = rule.above, sample.value > above { held.append("\(rule.name) is \(Number(sample.value)), above \(Number(above))") }
        if let below = rule.below, sample.value < below { held.append("\(rule.name) is \(Number(sample.value)), below \(Number(below))") }
        if let limit = rule.deviationFromPeers {
            switch peers.comparison(rule: rule.name, pod: name) {
            case .judged(let median, let peerCount):
                let deviation = abs(sample.value - median) / abs(median)
                if deviation > limit {
                    held.append("\(rule.name) is \(Number(sample.value)), \(Number(deviation * 100))% from the median \(Number(median)) of \(peerCount) peers (deviationFromPeers \(Number(limit * 100))%)")
                }
            case .notJudged(let why):
                findings.append(Finding(rule: id, state: .notJudged, message: "\(rule.name) not compared with peers: \(why)"))
            }
        }
        guard !held.isEmpty else { return clear(id) }
        findings.append(Finding(rule: id, state: .holds, since: firstSeen(id), message: held.joined(separator: "; ")))
    }

    private mutating func missing(_ rule: EffectivePolicy.Metric, id: String, why: String) {
        switch rule.onMissing {
        case .ignore:
            clear(id)
            findings.append(Finding(rule: id, state: .unknown, message: "\(rule.name) unknown: \(why) (onMissing: ignore)"))
        case .unhealthy:
            findings.append(Finding(rule: id, state: .holds, since: firstSeen(id), message: "\(rule.name) unknown: \(why) (onMissing: unhealthy)"))
        case .freeze:
            clear(id)
            let message = "\(rule.name) unknown: \(why) (onMissing: freeze)"
            if freeze == nil { freeze = message }
            findings.append(Finding(rule: id, state: .unknown, message: message))
        }
    }

    // MARK: Memory

    /// When the rule was first seen holding, remembering now if it was not.
    private mutating func firstSeen(_ rule: String) -> Date {
        if let since = memory.holdingSince[rule] { return since }
        memory.holdingSince[rule] = now
        return now
    }

    private mutating func clear(_ rule: String) {
        memory.holdingSince[rule] = nil
    }
}
