import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import Synchronization
import TestSupport
import Testing

/// Conflict retries, Events and leader election against the shared plane.
@Suite struct RuntimeIntegrationTests {
    @Test func updateHittingConflictIsRetriedOnAFreshRead() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("conflict", client: client) { namespace in
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: namespace), data: ["a": "1"]))
                let attempts = Mutex(0)
                let written = try await updateRetryingOnConflict(ConfigMap.self, name: "cm", namespace: namespace, client: client) { configMap in
                    let attempt = attempts.withLock { $0 += 1; return $0 }
                    if attempt == 1 {
                        // Another writer slips in between our read and our write.
                        var other = try await client.get(ConfigMap.self, name: "cm", namespace: namespace)
                        other.data?["b"] = "2"
                        _ = try await client.update(other)
                    }
                    configMap.data?["c"] = "3"
                }
                #expect(attempts.withLock { $0 } == 2)
                #expect(written.data == ["a": "1", "b": "2", "c": "3"])
                let stale = ConfigMap(metadata: ObjectMeta(name: "cm", namespace: namespace), data: ["x": "y"])
                var withOldVersion = stale
                withOldVersion.metadata.resourceVersion = "1"
                let error = await #expect(throws: KubernetesError.self) { _ = try await client.update(withOldVersion) }
                #expect(error?.reason == .conflict)
            }
        }
    }

    @Test func repeatedEventsAreAggregatedIntoOneWithACount() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("events", client: client) { namespace in
                let target = try await client.create(ConfigMap(metadata: ObjectMeta(name: "target", namespace: namespace)))
                let recorder = EventRecorder(client: client, component: "resilience.dev/operator", instance: "test-1", logger: Logger(label: "test"))
                let reference = ObjectReference(target)
                for _ in 0..<3 {
                    await recorder.record(reference, type: .warning, reason: "PodEvicted", action: "Evict", message: "evicted web-1: crash loop")
                }
                await recorder.record(reference, type: .normal, reason: "PodEvicted", action: "Evict", message: "evicted web-2: crash loop")
                let events = try await client.list(Event.self, namespace: namespace).items.sorted { ($0.count ?? 0) > ($1.count ?? 0) }
                #expect(events.count == 2)
                let repeated = try #require(events.first)
                #expect(repeated.count == 3)
                #expect(repeated.type == "Warning")
                #expect(repeated.reason == "PodEvicted")
                #expect(repeated.action == "Evict")
                #expect(repeated.reportingComponent == "resilience.dev/operator")
                #expect(repeated.reportingInstance == "test-1")
                #expect(repeated.involvedObject.uid == target.metadata.uid)
                #expect(repeated.involvedObject.kind == "ConfigMap")
                #expect(events.last?.count == 1)
                let described = try await plane.kubectl(["-n", namespace, "describe", "configmap", "target"])
                #expect(described.contains("PodEvicted"))
            }
        }
    }

    /// An incident's flood of Events about one object: similar ones are combined, and no more than the spam
    /// filter's burst is written.
    @Test func aFloodOfEventsAboutOneObjectIsCombinedAndHeldToTheBurst() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("events-flood", client: client) { namespace in
                let target = try await client.create(ConfigMap(metadata: ObjectMeta(name: "target", namespace: namespace)))
                let recorder = EventRecorder(client: client, component: "resilience.dev/operator", instance: "test-1", logger: Logger(label: "test"))
                for number in 0..<60 {
                    await recorder.record(ObjectReference(target), type: .warning, reason: "ActionBlocked", action: "restartPod", message: "refused, attempt \(number)")
                }
                let events = try await client.list(Event.self, namespace: namespace).items
                #expect(events.count == EventCorrelator<ContinuousClock.Instant>.similarLimit, "9 told apart, then one combined: \(events.map { $0.message ?? "" })")
                let writes = events.map { $0.count ?? 1 }.reduce(0, +)
                #expect(writes == EventCorrelator<ContinuousClock.Instant>.burst, "the spam filter's burst, then nothing")
                let combined = try #require(events.first { $0.message?.hasPrefix("(combined from similar events): ") == true })
                #expect(combined.count == EventCorrelator<ContinuousClock.Instant>.burst - 9)
            }
        }
    }

    @Test func podEventsTriggerTheReconcileOfTheirDeployment() async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("trigger", client: client) { ns in
                let logger = Logger(label: "test")
                let pods = Reflector(KubernetesListWatch(Pod.self, client: client, namespace: ns), clock: ContinuousClock(), logger: logger)
                let replicaSets = Reflector(KubernetesListWatch(ReplicaSet.self, client: client, namespace: ns), clock: ContinuousClock(), logger: logger)
                let queue = WorkQueue<ObjectKey, ContinuousClock>(name: "trigger", clock: ContinuousClock())
                let reconciled = Mutex<[ObjectKey: Int]>([:])
                let controller = Controller(name: "trigger", queue: queue, concurrency: 2, logger: logger) { key, _ in
                    reconciled.withLock { $0[key, default: 0] += 1 }
                    return .awaitChange
                }
                // A pod seen before its ReplicaSet is cached maps to nothing, so ReplicaSets trigger too.
                let tasks = [
                    Task {
                        await replicaSets.run { event in
                            for replicaSet in event.objects {
                                if let key = OwnerChain.controller(of: replicaSet.metadata, kind: "Deployment") { await queue.add(key) }
                            }
                        }
                    },
                    Task {
                        await pods.run { event in
                            for pod in event.objects {
                                if let key = OwnerChain.deployment(of: pod, replicaSets: replicaSets.store) { await queue.add(key) }
                            }
                        }
                    },
                    Task { await controller.run(waitingFor: [pods.store, replicaSets.store]) },
                ]
                defer { tasks.forEach { $0.cancel() } }
                try await plane.kubectl(["-n", ns, "create", "deployment", "web", "--image=registry.example/web:1", "--replicas=2"])
                let key = ObjectKey(namespace: ns, name: "web")
                try await eventually("a reconcile of deployment web triggered by its pods") { reconciled.withLock { $0[key] } != nil ? true : nil }
                #expect(reconciled.withLock { Array($0.keys) } == [key])
            }
        }
    }

    @Test func twoProcessesGiveOneLeaderAndFailOverOnKillAndOnSIGTERM() async throws {
        let plane = try await LocalControlPlane.shared()
        let executable = try LocalControlPlane.operatorExecutable()
        let lease = "lease-\(UInt32.random(in: 0...UInt32.max))"
        // A lease long enough that waiting one out and a handover stay far apart even on a loaded CI
        // machine, where a process can miss its retry period by seconds.
        let leaseDuration = 15.0, retryPeriod = 1.0
        func candidate(_ identity: String) throws -> Candidate {
            try Candidate(executable: executable, arguments: [
                "leader-election", "--kubeconfig", plane.kubeconfigPath, "--lease", lease, "--namespace", "default",
                "--identity", identity, "--lease-duration", "\(leaseDuration)", "--renew-deadline", "10",
                "--retry-period", "\(retryPeriod)",
            ])
        }
        let a = try candidate("a")
        let b = try candidate("b")
        defer { [a, b].forEach { $0.kill(SIGKILL) } }
        try await eventually("a leader", timeout: .seconds(20)) { a.says("leading") || b.says("leading") ? true : nil }
        try await Task.sleep(for: .seconds(3))
        #expect(a.says("leading") != b.says("leading"), "exactly one leader")
        let (leader, follower) = a.says("leading") ? (a, b) : (b, a)
        let holder = try await withClient(KubernetesClient(configuration: plane.configuration())) {
            try await $0.get(Lease.self, name: lease, namespace: "default").spec.holderIdentity
        }
        #expect(holder == (leader === a ? "a" : "b"))

        let lastRenewal = try await withClient(KubernetesClient(configuration: plane.configuration())) {
            try await $0.get(Lease.self, name: lease, namespace: "default").spec.renewTime?.date
        }
        leader.kill(SIGKILL)
        let killed = ContinuousClock.now
        try await eventually("the follower to lead after the kill", timeout: .seconds(30)) { follower.says("leading") ? true : nil }
        let takeover = ContinuousClock.now - killed
        // The follower counts the lease duration from when it last saw the lease change (up to one retry
        // period after the leader's last renewal), and polls once a retry period: lease + 2 retries, + slack.
        #expect(takeover <= .seconds(leaseDuration + 2 * retryPeriod + 3), "took \(takeover); the follower logged:\n\(follower.log)")
        // A live-looking lease is waited out: measured from the renewal seen last (a starved leader may have
        // stopped renewing before the kill, so the kill is not the start).
        let sinceRenewal = Date().timeIntervalSince(try #require(lastRenewal))
        #expect(sinceRenewal >= leaseDuration - retryPeriod, "took \(sinceRenewal) s from the last renewal seen")

        let successor = try candidate("c")
        defer { successor.kill(SIGKILL) }
        try await eventually("the successor to campaign") { successor.says("campaigning") ? true : nil }
        try await Task.sleep(for: .seconds(2))
        #expect(!successor.says("leading"))
        follower.kill(SIGTERM)
        try await eventually("the leader to release the lease") { follower.says("released") ? true : nil }
        let released = ContinuousClock.now
        try await eventually("the successor to lead", timeout: .seconds(30)) { successor.says("leading") ? true : nil }
        let handover = ContinuousClock.now - released
        // One retry period and slack for a loaded machine, well under the 15 s a held lease would take.
        #expect(handover <= .seconds(retryPeriod + 6), "took \(handover); a released lease must not be waited out; the leader logged:\n\(follower.log)")
    }

    /// A renewal whose answer a shutdown cut off may have landed after all, leaving the leader a stale copy of
    /// the lease. Its release then meets 409 Conflict, reads the lease afresh and still gives it up, so a
    /// successor need not wait it out; a lease someone else took meanwhile is left to them.
    @Test(arguments: [("first", ""), ("other", "other")])
    func aShutdownReleasesTheLeaseFromAFreshReadWhenItsCopyIsStale(writtenMeanwhileBy holder: String, expected: String) async throws {
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("release", client: client) { namespace in
                // No renewal refreshes the leader's copy while the test runs.
                let leading = try await LeadingCandidate.elected(
                    lease: "held", namespace: namespace, identity: "first", client: client,
                    leaseDuration: .seconds(90), renewDeadline: .seconds(60), retryPeriod: .seconds(30)).campaign
                defer { leading.cancel() }
                var written = try await client.get(Lease.self, name: "held", namespace: namespace)
                written.spec.holderIdentity = holder
                written.spec.renewTime = MicroTime(Date())
                _ = try await client.update(written)

                leading.cancel()
                #expect(await leading.value == .released)
                let lease = try await client.get(Lease.self, name: "held", namespace: namespace)
                #expect(lease.spec.holderIdentity == expected)
            }
        }
    }
}

/// A `resilience-operator` process whose standard output and log are collected in files.
final class Candidate: Sendable {
    private let process: Process
    private let output: URL
    private let errors: URL

    init(executable: String, arguments: [String]) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("candidate-\(UUID().uuidString)")
        output = base.appendingPathExtension("out")
        errors = base.appendingPathExtension("log")
        for file in [output, errors] where !FileManager.default.createFile(atPath: file.path, contents: nil) {
            throw TestSupportError("cannot create \(file.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        self.process = process
    }

    func says(_ line: String) -> Bool {
        ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n").contains { $0.hasPrefix(line) }
    }

    /// Everything the process wrote (its log goes to standard output), for a failure's message.
    var log: String {
        [output, errors].map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }.joined()
    }

    func kill(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    /// The process goes with its handle, and so do its files.
    deinit {
        kill(SIGKILL)
        for file in [output, errors] { try? FileManager.default.removeItem(at: file) }
    }
}
