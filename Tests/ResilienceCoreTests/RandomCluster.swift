import Foundation
import KubernetesAPI
import ResilienceCore

/// A random policy, cluster and history, built from a list of numbers so that the property tests'
/// shrinker, by lowering the numbers, finds simpler failing cases. Pods are clones of pods the API
/// server returned.
struct RandomCluster: CustomStringConvertible {
    var policy: EffectivePolicy
    /// The policy's spec as JSON, without its target.
    var spec: String
    var targets: [TargetObservation]
    var history: RemediationHistory
    var now: Date

    init(_ knobs: [Int]) throws {
        var next = Knobs(knobs)
        let stable = try Scenario.stable()
        guard let ready = stable.pods.first(where: { $0.isReady }), let crashing = stable.pods.first(where: { !$0.isReady }) else {
            throw CocoaError(.coderValueNotFound)
        }
        now = Scenario.after(3600, stable)
        let steps = ["restartPod", "isolate", "scaleUp", "rollback", "rolloutRestart"]
        let ladder = (0..<next.pick(1...3)).map { _ in steps[next.pick(0...4)] }
        let spec = """
            {"dryRun":\(next.pick(0...5) == 0),
             "health":{"waitingReasons":["CrashLoopBackOff"],"notReadyFor":"30s","for":"\(["0s", "20s"][next.pick(0...1)])"},
             "recovery":{"steps":[\(Array(Set(ladder)).sorted().map { "\"\($0)\"" }.joined(separator: ","))],"stepTimeout":"2m","scaleUp":{"maxSurge":\(next.pick(1...3))}},
             "safety":{"maxInFlight":\(next.pick(1...3)),"cooldown":"\(["1s", "30s", "2m"][next.pick(0...2)])",
                       \(next.pick(0...3) == 0 ? "" : #""maxActions":{"count":\#(next.pick(1...5)),"window":"\#(["10m", "1h"][next.pick(0...1)])"},"#)
                       "minHealthy":"\(next.pick(0...10) * 10)%","maxUnhealthy":"\(next.pick(0...10) * 10)%"}}
            """
        self.spec = spec
        policy = try Scenario.policy(spec)
        history = RemediationHistory()
        targets = []
        for index in 0..<next.pick(1...3) {
            var target = stable
            let name = "app-\(index)"
            target.deployment.metadata.name = name
            let replicas = next.pick(1...12)
            target.deployment.spec?.replicas = replicas
            target.deployment.status?.replicas = replicas
            target.deployment.status?.updatedReplicas = next.pick(0...4) == 0 ? max(0, replicas - 1) : replicas
            target.pods = (0..<replicas + next.pick(0...2)).map { number in
                var pod = next.pick(0...2) == 0 ? crashing : ready
                pod.metadata.name = "\(name)-\(number)"
                pod.metadata.uid = "\(name)-uid-\(number)"
                pod.metadata.creationTimestamp = now.addingTimeInterval(-Double(next.pick(0...7200)))
                switch next.pick(0...9) {
                case 0: pod.metadata.deletionTimestamp = now
                case 1: pod.status?.phase = "Pending"
                default: break
                }
                return pod
            }
            let key = "\(target.deployment.metadata.namespace ?? "")/\(name)"
            for _ in 0..<next.pick(0...4) {
                let uid = next.pick(0...1) == 0 ? "\(name)-uid-\(next.pick(0...13))" : "gone-\(next.pick(0...99))"
                let action: Action = [
                    .restartPod(pod: uid, uid: uid, evict: true), .isolate(pod: uid, uid: uid, mode: "readinessGate"),
                    .rolloutRestart, .scale(from: replicas, to: replicas + 1),
                ][next.pick(0...3)]
                history.actions.append(.init(
                    time: now.addingTimeInterval(-Double(next.pick(0...5400))), target: key, step: nil, action: action,
                    succeeded: next.pick(0...5) != 0))
            }
            history.actions.sort { $0.time < $1.time }
            history.episodeStarts[key] = (0..<next.pick(0...2)).map { _ in now.addingTimeInterval(-Double(next.pick(0...3000))) }.sorted()
            targets.append(target)
        }
    }

    var description: String {
        "\(targets.count) targets, \(targets.map(\.pods.count)) pods, \(history.actions.count) past actions, policy \(policy)"
    }
}

/// Reads numbers from a list, wrapping each into the range asked for; past the end, reads zeros.
struct Knobs {
    private var values: [Int]
    private var position = 0

    init(_ values: [Int]) {
        self.values = values
    }

    mutating func pick(_ range: ClosedRange<Int>) -> Int {
        let value = position < values.count ? values[position] : 0
        position += 1
        return range.lowerBound + abs(value) % (range.count)
    }
}
