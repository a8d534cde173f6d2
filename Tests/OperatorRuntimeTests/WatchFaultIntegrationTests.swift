import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import TestSupport
import Testing

/// The watch cache and leader election under API faults, on a plane of its own whose API server these
/// tests stop or freeze and whose etcd they compact.
@Suite(.serialized) struct WatchFaultIntegrationTests {
    /// A leader whose renewals stall (its API server frozen: connections open, no answer) lowers its fence
    /// at its renew deadline and gives up leadership, long before the client's 60 s timeout and before a
    /// successor could take the lease (a lease duration after the last renewal): never two leaders acting.
    @Test func aLeaderWhoseRenewalsStallStopsActingAtItsRenewDeadline() async throws {
        let plane = try await LocalControlPlane.faults()
        let client = try KubernetesClient(configuration: plane.configuration())
        let namespace = "fence-\(UInt32.random(in: 0...UInt32.max))"
        try await withClient(client) { client in
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
            var configuration = LeaderElector<ContinuousClock>.Configuration(leaseName: "fenced", namespace: namespace, identity: "first")
            configuration.leaseDuration = .seconds(8)
            configuration.renewDeadline = .seconds(3)
            configuration.retryPeriod = .milliseconds(500)
            let elector = LeaderElector(configuration: configuration, client: client, clock: ContinuousClock(), logger: Logger(label: "elector"))
            let leading = Task { await elector.run(lead: { try? await Task.sleep(for: .seconds(3600)) }) }
            defer { leading.cancel() }
            try await eventually("leadership") { elector.fence.isHeld ? true : nil }

            let pid = try plane.pid(of: "kube-apiserver")
            let frozen = ContinuousClock.now
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            try await eventually("the fence down", timeout: .seconds(30), every: .milliseconds(20)) { elector.fence.isHeld ? nil : true }
            let fenced = frozen.duration(to: .now)
            let outcome = await leading.value
            let ended = frozen.duration(to: .now)
            kill(pid, SIGCONT)
            #expect(outcome == .lost)
            #expect(fenced <= configuration.renewDeadline + configuration.retryPeriod, "acting stopped by the renew deadline: \(fenced)")
            #expect(ended < configuration.leaseDuration, "leadership given up before a successor may take it: \(ended)")
        }
    }

    private func configMap(_ name: String, _ namespace: String, _ value: String) -> ConfigMap {
        ConfigMap(metadata: ObjectMeta(name: name, namespace: namespace, labels: ["test": "watch-faults"]), data: ["value": value])
    }

    private func value(_ store: Store<ConfigMap>, _ name: String, _ namespace: String) -> String? {
        store.get(ObjectKey(namespace: namespace, name: name))?.data?["value"]
    }

    /// A watch whose server stops answering with the connection still open (frozen: the kernel keeps the
    /// socket, nothing comes) is given up once it has been silent for the idle read timeout, and watched
    /// again: a half-open stream is noticed then, not after five minutes.
    @Test func aHalfOpenWatchIsNoticedAfterTheIdleReadTimeoutAndWatchedAgain() async throws {
        let plane = try await LocalControlPlane.faults()
        var configuration = try plane.configuration()
        configuration.idleReadTimeout = .seconds(5)
        let client = try KubernetesClient(configuration: configuration)
        let namespace = "half-open-\(UInt32.random(in: 0...UInt32.max))"
        try await withClient(client) { client in
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
            _ = try await client.create(configMap("cm", namespace, "1"))
            let source = GatedListWatch(KubernetesListWatch(ConfigMap.self, client: client, namespace: namespace, watchTimeoutSeconds: 3))
            let reflector = Reflector(source, clock: ContinuousClock(), logger: Logger(label: "test"))
            let running = Task { await reflector.run() }
            defer { running.cancel() }
            try await eventually("the cache to hold cm=1") { value(reflector.store, "cm", namespace) == "1" ? true : nil }
            try await eventually("a watch open") { source.watches.isEmpty ? nil : true }

            let pid = try plane.pid(of: "kube-apiserver")
            let opened = source.watches.count
            let frozen = ContinuousClock.now
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            try await eventually("the stalled watch given up and watched again", timeout: .seconds(20), every: .milliseconds(50)) {
                source.watches.count > opened ? true : nil
            }
            let noticed = frozen.duration(to: .now)
            kill(pid, SIGCONT)
            #expect(noticed <= configuration.idleReadTimeout + .seconds(3), "noticed after \(noticed)")
            _ = try await updateRetryingOnConflict(ConfigMap.self, name: "cm", namespace: namespace, client: client) { $0.data = ["value": "2"] }
            try await eventually("the cache to catch up after the freeze") { value(reflector.store, "cm", namespace) == "2" ? true : nil }
            running.cancel()
            await running.value
        }
    }

    @Test func watchSurvivesAnAPIServerRestartWithoutMissingAnUpdate() async throws {
        let plane = try await LocalControlPlane.faults()
        let client = try KubernetesClient(configuration: plane.configuration())
        let namespace = "restart-\(UInt32.random(in: 0...UInt32.max))"
        try await withClient(client) { client in
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
            _ = try await client.create(configMap("cm", namespace, "1"))
            let source = GatedListWatch(KubernetesListWatch(ConfigMap.self, client: client, namespace: namespace))
            let reflector = Reflector(source, clock: ContinuousClock(), logger: Logger(label: "test"))
            let running = Task { await reflector.run() }
            defer { running.cancel() }
            try await eventually("the cache to hold cm=1") { value(reflector.store, "cm", namespace) == "1" ? true : nil }

            source.close()
            try await plane.script(["stop", "kube-apiserver"])
            try await plane.script(["start", "kube-apiserver"])
            try await eventually("the watcher to try to watch again", timeout: .seconds(90)) { source.blocked > 0 ? true : nil }
            // The watch is down: these happen while it is.
            _ = try await updateRetryingOnConflict(ConfigMap.self, name: "cm", namespace: namespace, client: client) {
                $0.data = ["value": "2"]
            }
            _ = try await client.create(configMap("cm-new", namespace, "n"))
            source.open()

            try await eventually("the cache to catch up") {
                value(reflector.store, "cm", namespace) == "2" && value(reflector.store, "cm-new", namespace) == "n" ? true : nil
            }
            // Either path is right: resume from the last version, or, when the restarted server's watch
            // cache starts past it (410), relist. Both must deliver what changed while the watch was down.
            #expect(source.watches.count >= 2, "the watch was opened again after the restart")
            #expect(source.watches.first.map { version in source.watches.dropFirst().allSatisfy { Int($0)! >= Int(version)! } } == true,
                    "no watch went back before the version it had reached")
            running.cancel()
            await running.value
        }
    }

    @Test func watchFromACompactedVersionRelistsAndConverges() async throws {
        let plane = try await LocalControlPlane.faults()
        let client = try KubernetesClient(configuration: plane.configuration())
        let namespace = "compact-\(UInt32.random(in: 0...UInt32.max))"
        try await withClient(client) { client in
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
            _ = try await client.create(configMap("kept", namespace, "0"))
            _ = try await client.create(configMap("deleted", namespace, "0"))
            // Short server-side watch timeouts, so the watch ends by itself and reaches the gate.
            let source = GatedListWatch(KubernetesListWatch(
                ConfigMap.self, client: client, namespace: namespace, labelSelector: "test=watch-faults", watchTimeoutSeconds: 2))
            let reflector = Reflector(source, clock: ContinuousClock(), logger: Logger(label: "test"))
            let running = Task { await reflector.run() }
            defer { running.cancel() }
            try await eventually("the first list") { reflector.store.count == 2 ? true : nil }
            source.close()
            try await eventually("the watch to end and wait at the gate") { source.blocked > 0 ? true : nil }

            try await client.delete(ConfigMap.self, name: "deleted", namespace: namespace)
            for round in 1...150 {
                _ = try await updateRetryingOnConflict(ConfigMap.self, name: "kept", namespace: namespace, client: client) {
                    $0.data = ["value": String(round)]
                }
            }
            let status = try await plane.script(["etcdctl", "endpoint", "status", "-w", "json"])
            let revision = try #require(status.split(separator: "\"revision\":").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) })
            try await plane.script(["etcdctl", "compact", String(revision)])
            // The API server's watch cache keeps recent events whatever etcd compacted; a restarted one
            // fills it from etcd at the compacted revision, so the old version is gone for good.
            try await plane.script(["stop", "kube-apiserver"])
            try await plane.script(["start", "kube-apiserver"])
            source.open()

            try await eventually("a relist to converge") {
                value(reflector.store, "kept", namespace) == "150" && reflector.store.count == 1 ? true : nil
            }
            #expect(source.lists >= 2, "the compacted resourceVersion forced a relist")
            running.cancel()
            await running.value
        }
    }
}
