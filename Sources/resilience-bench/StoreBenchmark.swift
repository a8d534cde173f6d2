import ArgumentParser
import Foundation
import KubernetesAPI
import OperatorRuntime
import ResilienceOperator

/// `resilience-bench store`: what the watch cache costs per pod, how fast pods decode into it, and what
/// a watch event's envelope adds to decoding its pod.
///
/// Pods are the captured server response (Tests/Fixtures/pod-list-pending.json, managedFields and all),
/// renamed N times, in 100 ReplicaSets. The figures compare the projection the operator's pod cache keeps
/// (decoded fields only, through ``OperatorCaches/podProjection(_:)``) with the raw JSON that a cache
/// holding whole objects would keep at the least.
struct StoreBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Watch-cache memory per pod, and decode and apply rates.")

    @Option(help: "How many pods.")
    var pods = 10_000

    @Option(help: "The captured pod list to copy pods from.")
    var fixture = "Tests/Fixtures/pod-list-pending.json"

    func run() throws {
        guard let data = FileManager.default.contents(atPath: fixture),
              let list = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let template = (list["items"] as? [[String: Any]])?.first
        else { throw ValidationError("cannot read a pod from \(fixture) (run from the repository root)") }
        let documents = try (0..<pods).map { index -> Data in
            var pod = template
            var metadata = pod["metadata"] as? [String: Any] ?? [:]
            metadata["name"] = "web-\(index)"
            metadata["uid"] = UUID().uuidString.lowercased()
            metadata["resourceVersion"] = String(1000 + index)
            if var owners = metadata["ownerReferences"] as? [[String: Any]], !owners.isEmpty {
                owners[0]["name"] = "web-\(index % 100)-5d8f7c9b4"
                owners[0]["uid"] = "00000000-0000-4000-8000-\(String(format: "%012d", index % 100))"
                metadata["ownerReferences"] = owners
            }
            pod["metadata"] = metadata
            return try JSONSerialization.data(withJSONObject: pod)
        }
        let rawBytes = documents.reduce(0) { $0 + $1.count }
        let lines = documents.map { Data(#"{"type":"MODIFIED","object":"#.utf8) + $0 + Data("}".utf8) }
        let decoder = KubernetesJSON.decoder()

        let before = heapBytes()
        let store = Store<Pod>()
        let decodeStart = ContinuousClock.now
        var decoded = try documents.map { OperatorCaches.podProjection(try decoder.decode(Pod.self, from: $0)) }
        let decodeTime = ContinuousClock.now - decodeStart
        let applyStart = ContinuousClock.now
        store.apply(.initStart)
        store.apply(.initPage(decoded))
        store.apply(.initDone)
        for pod in decoded { store.apply(.apply(pod)) }
        let applyTime = ContinuousClock.now - applyStart
        // A watch event is the pod in an envelope: decoding it should cost no more than the pod alone.
        let aloneStart = ContinuousClock.now
        for document in documents { _ = try decoder.decode(Pod.self, from: document) }
        let aloneTime = ContinuousClock.now - aloneStart
        let eventStart = ContinuousClock.now
        for line in lines { _ = try WatchEvent<Pod>.decode(line, decoder: decoder) }
        let eventTime = ContinuousClock.now - eventStart
        decoded = []
        Heap.trim()
        let projected = heapBytes() - before

        print("pods                         \(pods)")
        print("raw JSON per pod             \(rawBytes / pods) bytes (what a cache of whole objects holds at the least)")
        print("store per pod (projection)   \(projected / pods) bytes (objects, key and indexes; resident growth over \(pods) pods)")
        print("a pod's inline size          \(MemoryLayout<Pod>.size) bytes (ObjectMeta \(MemoryLayout<ObjectMeta>.size), status \(MemoryLayout<Pod.Status>.size), a container status \(MemoryLayout<ContainerStatus>.size), a condition \(MemoryLayout<Condition>.size))")
        print("saving                       \(String(format: "%.1f", Double(rawBytes) / Double(max(projected, 1))))x")
        print("decode                       \(rate(pods, decodeTime)) pods/s")
        print("store apply (list + updates) \(rate(2 * pods, applyTime)) events/s")
        print("watch event decode           \(rate(pods, eventTime)) events/s (\(String(format: "%.2f", eventTime / aloneTime))x the time of the pod alone: \(rate(pods, aloneTime)) pods/s)")
        withExtendedLifetime((store, decoded, documents, lines)) {}
    }

    private func rate(_ count: Int, _ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(Int(Double(count) / max(seconds, 1e-9)))
    }

    /// The process's resident memory now, from /proc/self/statm (pages of 4 KiB).
    private func heapBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let resident = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return resident * 4096
    }
}
