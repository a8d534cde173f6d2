import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import TestSupport
import Testing

/// The watch cache under API faults, on a plane of its own whose API server these tests stop and whose
/// etcd they compact.
@Suite(.serialized) struct WatchFaultIntegrationTests {
    private func configMap(_ name: String, _ namespace: String, _ value: String) -> ConfigMap {
        ConfigMap(metadata: ObjectMeta(name: name, namespace: namespace, labels: ["test": "watch-faults"]), data: ["value": value])
    }

    private func value(_ store: Store<ConfigMap>, _ name: String, _ namespace: String) -> String? {
        store.get(ObjectKey(namespace: namespace, name: name))?.data?["value"]
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
