import ArgumentParser
import Foundation
import KubernetesAPI
import KubernetesClient
import ResilienceCore

/// `resilience-bench status`: what one write of a policy's status costs the API server (its allocation
/// and CPU, from its /metrics, and the request's time), by how many actions the status remembers: 12 (a
/// policy at the end of `resilience-bench operator`'s single faults), 256 (`Planner.keptActions`) and
/// 1,000 (a budget of 1,000 an hour, spent), every one settled. Each is written as the operator writes its
/// memory (a line of text an action that is over) and, beside it, as it was written before (an object an
/// action), with the ratios.
///
/// Run it on a plane with the CRD applied (`hack/bench-operator.sh` applies it to `planes/bench`); it
/// makes a namespace of its own and deletes it at the end.
struct StatusWriteBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "What a policy's status write costs the API server, by how many actions it remembers.")

    @Option(help: "How many remembered actions, comma-separated.")
    var actions = "12,256,1000"

    @Option(help: "Writes of each status.")
    var writes = 60

    @OptionGroup var plane: PlaneOptions

    func run() async throws {
        let counts = actions.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 >= 0 }), writes > 0 else {
            throw ValidationError("--actions takes counts such as 12,256,1000 and --writes a positive number")
        }
        var configuration = try KubeConfig.load(path: plane.kubeconfig).configuration()
        configuration.qps = 5000
        configuration.burst = 10000
        let client = try KubernetesClient(configuration: configuration)
        let namespace = "bench-status-\(UInt32.random(in: 0...UInt32.max))"
        try await client.send(.POST, "/api/v1/namespaces", body: json(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": namespace]]))
        do {
            say("writes of each status   \(writes)")
            say("remembered  as        status   API server alloc/write   API server CPU/write   time/write")
            for count in counts {
                var figures: [Figures] = []
                for form in [Form.objects, .lines] {
                    let status = try status(remembering: count, as: form, namespace: namespace)
                    figures.append(try await measure(status, client: client, namespace: namespace))
                    let last = figures[figures.count - 1]
                    var line = "\(pad("\(count)", 10))  \(pad(form.rawValue, 7)) \(pad("\(last.bytes / 1024) KiB", 10))"
                    line += "   \(pad(String(format: "%.2f MB", last.allocated / 1e6), 22)) \(pad(String(format: "%.1f ms", last.cpu * 1000), 22)) \(String(format: "%.1f ms", last.time * 1000))"
                    if form == .lines {
                        let before = figures[0]
                        line += String(format: "   (lines / objects: %.2fx, %.2fx, %.2fx)", last.allocated / before.allocated, last.cpu / before.cpu, last.time / before.time)
                    }
                    say(line)
                }
            }
        } catch {
            _ = try? await client.send(.DELETE, "/api/v1/namespaces/\(namespace)")
            throw error
        }
        try await client.send(.DELETE, "/api/v1/namespaces/\(namespace)")
    }

    private enum Form: String {
        /// As the operator writes its memory: one line an action.
        case lines
        /// As it was written before: one object an action.
        case objects
    }

    private struct Figures {
        var bytes: Int
        var allocated: Double
        var cpu: Double
        var time: Double
    }

    /// A status as the operator writes it for a Deployment whose pods it restarted `count` times: its
    /// conditions, its last ten actions with their evidence, and its memory of every action.
    private func status(remembering count: Int, as form: Form, namespace: String) throws -> [String: Any] {
        let start = Date().addingTimeInterval(-3000)
        var history = RemediationHistory()
        var lastActions: [[String: Any]] = []
        for index in 0..<count {
            let time = start.addingTimeInterval(Double(index) * 2.5 + 0.123)
            let pod = "web-7c9f8d6b5-\(String(UInt32(truncatingIfNeeded: index &* 2_654_435_761), radix: 36).suffix(5))"
            history.actions.append(RemediationHistory.ActionRecord(
                time: time, target: "\(namespace)/web", step: .restartPod,
                action: .restartPod(pod: pod, uid: UUID().uuidString.lowercased(), evict: true), succeeded: true,
                settledAt: time.addingTimeInterval(0.5), settledBy: UUID().uuidString.lowercased()))
            lastActions.insert([
                "time": KubernetesJSON.formatTimestamp(time), "step": "restartPod", "pod": pod, "result": "succeeded",
                "reason": "\(pod) unhealthy since \(KubernetesJSON.formatTimestamp(time)): container web is waiting: CrashLoopBackOff; step 1 of 1 (restartPod)",
                "evidence": "phase Running, Ready=False (ContainersNotReady); web: 5 restarts, waiting CrashLoopBackOff, last terminated Error exit 1",
            ], at: 0)
        }
        var memory = try JSONSerialization.jsonObject(with: KubernetesJSON.encoder().encode(history)) as? [String: Any] ?? [:]
        if form == .objects {
            memory["done"] = nil
            memory["actions"] = try history.actions.map { record -> [String: Any] in
                var object: [String: Any] = [
                    "time": KubernetesJSON.formatTimestamp(record.time), "target": record.target, "succeeded": record.succeeded,
                    "action": try JSONSerialization.jsonObject(with: KubernetesJSON.encoder().encode(record.action)),
                ]
                object["step"] = record.step?.rawValue
                object["settledAt"] = record.settledAt.map(KubernetesJSON.formatTimestamp)
                object["settledBy"] = record.settledBy
                return object
            }
        } else if (memory["done"] as? [String])?.count != count {
            throw ValidationError("the operator no longer writes its memory as lines: this comparison is stale")
        }
        let now = KubernetesJSON.formatTimestamp(start)
        let conditions = [("Ready", "True", "Planned", "judging 100 pods"), ("Healthy", "True", "AllHealthy", "100 of 100 pods healthy"),
                          ("Remediating", "True", "InProgress", "recovering"), ("Suspended", "False", "Active", "judging and acting")]
        return [
            "observedGeneration": 1, "phase": "Remediating", "pods": ["healthy": 100, "total": 100],
            "conditions": conditions.map { ["type": $0.0, "status": $0.1, "reason": $0.2, "message": $0.3, "lastTransitionTime": now, "observedGeneration": 1] },
            "lastActions": Array(lastActions.prefix(10)),
            "budget": ["used": count, "remaining": max(0, 1000 - count)],
            "memory": memory,
        ]
    }

    /// Makes the policy afresh, writes `status` to it `writes` times (each a change: the healthy count
    /// moves) and reads what the API server spent.
    private func measure(_ status: [String: Any], client: KubernetesClient, namespace: String) async throws -> Figures {
        let policies = "/apis/resilience.dev/v1alpha1/namespaces/\(namespace)/resiliencepolicies"
        _ = try? await client.send(.DELETE, "\(policies)/web")
        let policy: [String: Any] = [
            "apiVersion": "resilience.dev/v1alpha1", "kind": "ResiliencePolicy", "metadata": ["name": "web", "namespace": namespace],
            "spec": ["targetRef": ["kind": "Deployment", "name": "web"], "health": ["waitingReasons": ["CrashLoopBackOff"]],
                     "safety": ["maxActions": ["count": 1000, "window": "1h"]]],
        ]
        do {
            try await client.send(.POST, policies, body: json(policy))
        } catch let error as KubernetesError where error.reason == .notFound {
            throw ValidationError("the plane has no ResiliencePolicy CRD: kubectl apply -f crds/resilience.dev_resiliencepolicies.yaml")
        }
        var status = status
        let bytes = try json(status).count
        guard let before = await APIServerRuntime.read(client) else { throw ValidationError("cannot read the API server's /metrics") }
        let started = ContinuousClock.now
        for write in 0..<writes {
            status["healthy"] = "\(write % 100)/100"
            try await client.send(.PATCH, "\(policies)/web/status", body: json(["status": status]), contentType: "application/merge-patch+json")
        }
        let elapsed = ContinuousClock.now - started
        guard let after = await APIServerRuntime.read(client) else { throw ValidationError("cannot read the API server's /metrics") }
        let count = Double(writes)
        return Figures(
            bytes: bytes, allocated: (after.allocatedBytes - before.allocatedBytes) / count, cpu: (after.cpuSeconds - before.cpuSeconds) / count,
            time: seconds(elapsed) / count)
    }

    private func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
    }
}
