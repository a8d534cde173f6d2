import ArgumentParser
import Foundation
import KubernetesAPI
import ResilienceCore

/// `resilience-bench plan`: how long judging and planning takes, for one 1,000-pod Deployment and for
/// 1,000 ten-pod Deployments under one policy.
///
/// Pods are clones of the captured `web` pods (Tests/Fixtures/stable-*.json): one in twenty crash-loops,
/// and every pod has a fresh sample of a peer-compared metric. The history carries over between rounds,
/// as it does in the operator.
struct PlanBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Time to judge and plan large Deployments.")

    @Option(help: "Rounds per shape; the figures are the median and the fastest.")
    var rounds = 20

    @Option(help: "The folder of captured fixtures.")
    var fixtures = "Tests/Fixtures"

    func run() throws {
        let decoder = KubernetesJSON.decoder()
        func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            guard let data = FileManager.default.contents(atPath: "\(fixtures)/\(name)") else {
                throw ValidationError("cannot read \(fixtures)/\(name) (run from the repository root)")
            }
            return try decoder.decode(type, from: data)
        }
        let deployment = try load(Deployment.self, "stable-deployment.json")
        let replicaSets = try load(ResourceList<ReplicaSet>.self, "stable-replicaset-list.json").items
        let pods = try load(ResourceList<Pod>.self, "stable-pod-list.json").items
        guard let ready = pods.first(where: { $0.isReady }), let crashing = pods.first(where: { !$0.isReady }) else {
            throw ValidationError("the fixture needs a Ready and a crash-looping pod")
        }
        let spec = try decoder.decode(PolicySpec.self, from: Data(#"""
            {"selector":{"matchLabels":{"app":"web"}},
             "health":{"notReadyFor":"30s","restarts":{"limit":3,"window":"10m"},"waitingReasons":["CrashLoopBackOff"],
                       "terminatedReasons":["OOMKilled"],"metrics":[{"name":"latency","query":"q","deviationFromPeers":0.5}]},
             "recovery":{"steps":["restartPod","isolate","rollback"]},
             "safety":{"maxActions":{"count":10,"window":"1h"},"maxInFlight":2,"minHealthy":"50%","maxUnhealthy":"40%"}}
            """#.utf8))
        let policy = try EffectivePolicy(spec)
        let now = (pods.compactMap(\.metadata.creationTimestamp).max() ?? Date()).addingTimeInterval(60)

        func target(_ name: String, size: Int) -> TargetObservation {
            var copy = deployment
            copy.metadata.name = name
            copy.spec?.replicas = size
            let clones = (0..<size).map { index -> Pod in
                var pod = index % 20 == 7 ? crashing : ready
                pod.metadata.name = "\(name)-\(index)"
                pod.metadata.uid = "\(name)-uid-\(index)"
                return pod
            }
            let samples = Dictionary(uniqueKeysWithValues: clones.enumerated().map {
                ($0.element.metadata.name ?? "", MetricSample(value: 0.1 + Double($0.offset % 7) / 100, time: now))
            })
            return TargetObservation(deployment: copy, replicaSets: replicaSets, pods: clones, metrics: ["latency": samples])
        }

        let shapes: [(String, [TargetObservation])] = [
            ("one Deployment of 1,000 pods", [target("big", size: 1000)]),
            ("1,000 Deployments of 10 pods", (0..<1000).map { target("small-\($0)", size: 10) }),
        ]
        print("rounds per shape             \(rounds)")
        for (label, targets) in shapes {
            var history = RemediationHistory()
            var times: [Duration] = []
            var decisions = 0
            for round in 0..<rounds {
                let start = ContinuousClock.now
                let plan = Planner.plan(policy: policy, targets: targets, history: history, now: now.addingTimeInterval(Double(round)))
                times.append(ContinuousClock.now - start)
                history = plan.history
                decisions = plan.decisions.count
            }
            times.sort()
            let pods = targets.reduce(0) { $0 + $1.pods.count }
            print("\(label.padding(toLength: 29, withPad: " ", startingAt: 0)) median \(milliseconds(times[times.count / 2])) ms, fastest \(milliseconds(times[0])) ms (\(pods) pods, \(decisions) decisions)")
        }
    }

    private func milliseconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.2f", value)
    }
}
