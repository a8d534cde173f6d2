import FaultInjection
import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import TestSupport
import Testing

/// The client, the watch cache and leader election under API faults, on a plane of its own whose API
/// server these tests stop, freeze or run with other flags and whose etcd they compact, and through a
/// proxy that cuts streams.
@Suite(.serialized) struct APIFaultIntegrationTests {
    /// A leader whose renewals stall (its API server frozen: connections open, no answer) lowers its fence
    /// at its renew deadline and gives up leadership, long before the client's 60 s timeout and before a
    /// successor could take the lease (a lease duration after the last renewal): never two leaders acting.
    @Test func aLeaderWhoseRenewalsStallStopsActingAtItsRenewDeadline() async throws {
        let plane = try await LocalControlPlane.faults()
        let client = try KubernetesClient(configuration: plane.configuration())
        let namespace = "fence-\(UInt32.random(in: 0...UInt32.max))"
        try await withClient(client) { client in
            _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
            let leader = try await LeadingCandidate.elected(
                lease: "fenced", namespace: namespace, identity: "first", client: client,
                leaseDuration: .seconds(8), renewDeadline: .seconds(3), retryPeriod: .milliseconds(500))
            let elector = leader.elector, leading = leader.campaign, configuration = elector.configuration
            defer { leading.cancel() }

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

    /// A watch whose connection is cut in the middle of an event (a proxy closes it after half the bytes
    /// of the next chunk, again and again while the object changes) is watched again each time, and the
    /// cache ends with the last value: a torn event is dropped with its stream, nothing is lost.
    @Test func aWatchCutMidEventAgainAndAgainLosesNoUpdate() async throws {
        let plane = try await LocalControlPlane.faults()
        var direct = try plane.configuration()
        let port = try #require(direct.server.split(separator: ":").last.flatMap { Int($0) })
        let proxy = try await StreamProxy.start(upstreamPort: port)
        var proxied = direct
        proxied.server = "https://127.0.0.1:\(proxy.port)"
        direct.qps = 1000
        direct.burst = 1000
        let namespace = "cut-\(UInt32.random(in: 0...UInt32.max))"
        try await withClient(try KubernetesClient(configuration: direct)) { client in
            try await withClient(try KubernetesClient(configuration: proxied)) { watching in
                _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
                _ = try await client.create(configMap("cm", namespace, "0"))
                let reflector = Reflector(KubernetesListWatch(ConfigMap.self, client: watching, namespace: namespace),
                                          clock: ContinuousClock(), logger: Logger(label: "test"))
                let running = Task { await reflector.run() }
                defer { running.cancel() }
                try await eventually("the first list") { value(reflector.store, "cm", namespace) == "0" ? true : nil }
                let opened = proxy.accepted
                let cutting = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(150))
                        proxy.cutMidMessage()
                    }
                }
                for round in 1...150 {
                    _ = try await updateRetryingOnConflict(ConfigMap.self, name: "cm", namespace: namespace, client: client) {
                        $0.data = ["value": String(round)]
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                cutting.cancel()
                try await eventually("the cache to reach the last value", timeout: .seconds(60)) {
                    value(reflector.store, "cm", namespace) == "150" ? true : nil
                }
                #expect(proxy.accepted - opened >= 3, "the stream was cut and opened again: \(proxy.accepted - opened) times")
                running.cancel()
                await running.value
                await proxy.shutdown()
            }
        }
    }

    /// The API server answers 429 when more requests are in flight than `--max-requests-inflight` allows
    /// (here 1 at a time, priority and fairness off, as older or tuned clusters do). A client that sends 40
    /// at once gets every answer: each 429 is tried again after its Retry-After. The audit log shows the
    /// 429s happened.
    @Test func aThrottledAPIServersTooManyRequestsAreRetriedAfterRetryAfter() async throws {
        let plane = try await LocalControlPlane.faults()
        let admin = try KubernetesClient(configuration: plane.configuration())
        try await withClient(admin) { admin in
            // The plane's audit policy logs the requests of this namespace's ServiceAccounts.
            do { _ = try await admin.create(Namespace(metadata: ObjectMeta(name: "resilience-bench"))) } catch let error as KubernetesError where error.reason == .alreadyExists {}
            let account = "throttled-\(UInt32.random(in: 0...UInt32.max))"
            let token = try await ServiceAccountTokens.token(for: account, namespace: "resilience-bench", admin: admin)
            let binding = #"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"\#(account)"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"ServiceAccount","name":"\#(account)","namespace":"resilience-bench"}]}"#
            try await admin.send(.POST, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", body: Array(binding.utf8))
            var configuration = try plane.configuration()
            configuration.clientCertificate = nil
            configuration.token = .inline(token)
            configuration.qps = 1000
            configuration.burst = 1000
            let started = Date()

            try await plane.script(["stop", "kube-apiserver"])
            try await plane.script(["start", "kube-apiserver", "--max-requests-inflight", "1", "--max-mutating-requests-inflight", "1",
                                    "--enable-priority-and-fairness=false"])
            let answered: Int
            do {
                answered = try await withClient(try KubernetesClient(configuration: configuration)) { client in
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for _ in 0..<40 {
                            group.addTask { try await client.list(ConfigMap.self, namespace: "default").items.count >= 0 ? 1 : 0 }
                        }
                        return try await group.reduce(0, +)
                    }
                }
            } catch {
                try await plane.script(["stop", "kube-apiserver"])
                try await plane.script(["start", "kube-apiserver"])
                throw error
            }
            try await plane.script(["stop", "kube-apiserver"])
            try await plane.script(["start", "kube-apiserver"])
            _ = try? await admin.send(.DELETE, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/\(account)")
            #expect(answered == 40, "every request answered")
            let user = "system:serviceaccount:resilience-bench:\(account)"
            let log = try String(contentsOfFile: plane.stateDirectory + "/logs/audit.log", encoding: .utf8)
            let refused = log.split(separator: "\n").filter { line in
                line.contains(#""username":"\#(user)""#) && line.contains(#""stage":"ResponseComplete""#) && line.contains(#""code":429"#)
            }
            #expect(!refused.isEmpty, "the API server answered 429 at least once since \(started)")
        }
    }
}
