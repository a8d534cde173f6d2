#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// Judges the pods of one target by the policy's health rules. Pure: the memory it needs comes in
/// and goes out.
public enum HealthJudge {
    /// Judges every pod of `target`, in name order, and returns the pods' memory updated with what was
    /// seen now (pods no longer present are forgotten), and when a verdict flips with time alone.
    ///
    /// - Parameter remediating: UIDs of pods the operator isolated and is waiting on; they are not judged.
    public static func judge(
        _ target: TargetObservation,
        policy: EffectivePolicy,
        memory: [String: RemediationHistory.PodMemory],
        remediating: Set<String>,
        now: Date
    ) -> (verdicts: [PodVerdict], memory: [String: RemediationHistory.PodMemory], wake: WakeTime) {
        var wake = WakeTime(now: now)
        var verdicts: [PodVerdict] = []
        var updated: [String: RemediationHistory.PodMemory] = [:]
        // Sorted by name through their indices: a pod is a large value, and sorting would copy it.
        let names = target.pods.map { $0.metadata.name ?? "" }
        let order = names.indices.sorted { names[$0] < names[$1] }
        let peers = PeerValues(target: target, policy: policy, remediating: remediating, now: now)
        for index in order {
            let pod = target.pods[index]
            let uid = pod.metadata.uid ?? pod.metadata.name ?? ""
            let name = pod.metadata.name ?? ""
            // The revision the pod is of: a ReplicaSet's hash, or a StatefulSet's ControllerRevision.
            let hash = pod.metadata.labels?["pod-template-hash"] ?? pod.metadata.labels?["controller-revision-hash"]
            if pod.metadata.deletionTimestamp != nil {
                verdicts.append(PodVerdict(pod: name, uid: uid, templateHash: hash, health: .terminating))
                continue
            }
            if remediating.contains(uid) {
                if let kept = memory[uid] { updated[uid] = kept }
                verdicts.append(PodVerdict(pod: name, uid: uid, templateHash: hash, health: .remediating))
                continue
            }
            var podMemory = memory[uid] ?? RemediationHistory.PodMemory()
            var rules = PodRules(pod: pod, policy: policy, memory: podMemory, now: now)
            rules.evaluate(target: target, peers: peers)
            podMemory = rules.memory
            // A healthy pod with nothing to remember costs no entry, in memory or in the status.
            if !podMemory.isEmpty { updated[uid] = podMemory }
            wake.merge(rules.wake)
            let judged = verdict(pod: pod, uid: uid, hash: hash, findings: rules.findings, freeze: rules.freeze, policy: policy, now: now)
            if let earliest = rules.findings.filter({ $0.state == .holds }).compactMap(\.since).min() {
                wake.at(earliest.addingTimeInterval(policy.health.holdFor.seconds))
            }
            verdicts.append(judged)
        }
        return (verdicts, updated, wake)
    }

    private static func verdict(pod: Pod, uid: String, hash: String?, findings: [Finding], freeze: String?, policy: EffectivePolicy, now: Date) -> PodVerdict {
        let holdFor = policy.health.holdFor.seconds
        let starts = findings.filter { $0.state == .holds }.compactMap(\.since)
        let earliest = starts.min()
        let health: PodHealth
        var since: Date?
        if let earliest, now.timeIntervalSince(earliest) >= holdFor {
            health = .unhealthy
            since = earliest
        } else if earliest != nil || !pod.isReady {
            health = .watching
        } else {
            health = .healthy
        }
        var findings = findings
        if let earliest, health == .watching, holdFor > 0 {
            let left = holdFor - now.timeIntervalSince(earliest)
            findings.append(Finding(
                rule: "for", state: .notJudged, since: earliest,
                message: "has held for \(Seconds(now.timeIntervalSince(earliest))) of the \(policy.health.holdFor) that `for` asks (\(Seconds(left)) to go)"))
        }
        return PodVerdict(pod: pod.metadata.name ?? "", uid: uid, templateHash: hash, health: health, since: since, findings: findings, freeze: freeze)
    }
}
