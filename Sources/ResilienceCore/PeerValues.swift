#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The fresh values of each peer-compared metric, sorted once, so that the median of "every pod but
/// this one" costs O(1) per pod.
struct PeerValues {
    /// The fewest pods with a fresh sample (the pod and its peers) that a peer comparison needs.
    static let minimumPods = 3

    private var sorted: [String: [Double]] = [:]
    private var index: [String: [String: Int]] = [:]

    init(target: TargetObservation, policy: EffectivePolicy, remediating: Set<String>, now: Date) {
        let rules = policy.health.metrics.filter { $0.deviationFromPeers != nil && target.metricErrors[$0.name] == nil }
        guard !rules.isEmpty else { return }
        let judged = Set(target.pods.filter { pod in
            pod.metadata.deletionTimestamp == nil && !remediating.contains(pod.metadata.uid ?? pod.metadata.name ?? "")
        }.compactMap(\.metadata.name))
        for rule in rules {
            let fresh = (target.metrics[rule.name] ?? [:])
                .filter { judged.contains($0.key) && now.timeIntervalSince($0.value.time) <= EffectivePolicy.metricStaleAfter }
                .map { (pod: $0.key, value: $0.value.value) }
                .sorted { $0.value != $1.value ? $0.value < $1.value : $0.pod < $1.pod }
            sorted[rule.name] = fresh.map(\.value)
            index[rule.name] = Dictionary(uniqueKeysWithValues: fresh.enumerated().map { ($0.element.pod, $0.offset) })
        }
    }

    /// The median of the other pods' values, or why there is none to compare with.
    enum Comparison {
        case judged(median: Double, peers: Int)
        case notJudged(String)
    }

    func comparison(rule: String, pod: String) -> Comparison {
        guard let values = sorted[rule], let position = index[rule]?[pod] else {
            return .notJudged("the pod has no fresh sample")
        }
        guard values.count >= Self.minimumPods else {
            return .notJudged("\(values.count) pods have fresh samples; a peer comparison needs \(Self.minimumPods)")
        }
        let others = values.count - 1
        func value(at virtual: Int) -> Double { virtual < position ? values[virtual] : values[virtual + 1] }
        let median = others % 2 == 1 ? value(at: others / 2) : (value(at: others / 2 - 1) + value(at: others / 2)) / 2
        guard median != 0 else { return .notJudged("the peers' median is 0, so a relative deviation means nothing") }
        return .judged(median: median, peers: others)
    }
}
