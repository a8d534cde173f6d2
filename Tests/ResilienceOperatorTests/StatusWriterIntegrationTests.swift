import FaultInjection
import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import ResilienceCore
@testable import ResilienceOperator
import TestSupport
import Synchronization
import Testing

/// The status as the API server keeps it: written whole, so what a restarted operator or a new leader
/// reads back is exactly what the last writer meant, forgotten keys included; and written once for the
/// changes that came while it settled.
@Suite struct StatusWriterIntegrationTests {
    @Test func aStatusWrittenWholeForgetsWhatTheLastOneNoLongerHolds() async throws {
        try await withPolicy("status-whole") { client, ns, spec, created in
            let uid = created.metadata.uid
            let key = ObjectKey(namespace: ns, name: "web")
            let writer = StatusWriter(client: client, logger: Logger(label: "status"), clock: ContinuousClock(), settle: .zero)
            let running = Task { await writer.run() }
            defer { running.cancel() }

            // An episode open and a scale-up to undo on two Deployments.
            let time = Date(timeIntervalSince1970: 1_790_000_000.25)
            var memory = RemediationHistory()
            memory.episodes = ["\(ns)/web": .init(openedAt: time, step: 1, stepStartedAt: time, acted: ["uid-1/restartPod"]), "\(ns)/api": .init(openedAt: time, step: 0)]
            memory.scaledFrom = ["\(ns)/web": .init(replicas: 3)]
            memory.actions = [.init(time: time, target: "\(ns)/web", step: .restartPod, action: .restartPod(pod: "web-1", uid: "uid-1", evict: true), succeeded: true)]
            var status = PolicyStatus()
            status.phase = "Remediating"
            status.memory = memory
            await writer.write(status, of: key, uid: uid)
            try await eventually("the memory written") { () -> Bool? in
                try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.memory == memory ? true : nil
            }

            // One episode closed and the scale-up undone: the keys go from the server too.
            memory.episodes["\(ns)/api"] = nil
            memory.scaledFrom = [:]
            status.phase = nil
            status.memory = memory
            await writer.write(status, of: key, uid: uid)
            let read = try await eventually("the memory forgetting the closed episode") { () -> PolicyStatus? in
                let read = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
                return read?.memory?.scaledFrom.isEmpty == true ? read : nil
            }
            #expect(read == status, "what is read back is what was meant: \(String(describing: read))")

            // The policy deleted and created again under its name: the old memory never reaches the new one.
            try await client.delete(ResiliencePolicy.self, name: "web", namespace: ns)
            try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
            let stale = try StatusWriter<ContinuousClock>.patch(status, uid: uid)
            let refused = try await #require(throws: KubernetesError.self) {
                try await client.patch(ResiliencePolicy.self, name: "web", namespace: ns, stale, subresource: "status")
            }
            #expect(refused.reason == .invalid, "\(refused.message)")
            #expect(try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.memory == nil)
        }
    }

    @Test func changesThatComeWhileAStatusSettlesAreWrittenOnceAndTheLastOnesOnStopping() async throws {
        try await withPolicy("status-settle") { client, ns, _, created in
            let key = ObjectKey(namespace: ns, name: "web")
            let statuses = Mutex<[PolicyStatus?]>([])
            let watching = Task {
                let options = ListOptions(fieldSelector: "metadata.name=web", resourceVersion: created.metadata.resourceVersion)
                for try await event in client.watch(ResiliencePolicy.self, namespace: ns, options: options, timeoutSeconds: 120) {
                    if case .modified(let policy) = event { statuses.withLock { $0.append(policy.status) } }
                }
            }
            defer { watching.cancel() }
            let clock = ManualClock()
            let writer = StatusWriter(client: client, logger: Logger(label: "status"), clock: clock, settle: .seconds(1))
            let running = Task { await writer.run() }

            // An action, then its replacement's readiness, within the settle.
            func status(_ phase: String, healthy: String) -> PolicyStatus {
                var status = PolicyStatus()
                status.phase = phase
                status.healthy = healthy
                return status
            }
            await writer.write(status("Remediating", healthy: "2/3"), of: key, uid: created.metadata.uid)
            await writer.write(status("Ready", healthy: "3/3"), of: key, uid: created.metadata.uid)
            try await eventually("the write's timer armed", timeout: .seconds(10)) { clock.sleeperCount > 0 ? true : nil }
            #expect(try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status == nil, "nothing is written before the settle")
            clock.advance(by: .seconds(1))
            try await eventually("the settled status on the server") { () -> Bool? in
                try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status == status("Ready", healthy: "3/3") ? true : nil
            }
            try await eventually("the watch seeing the write") { statuses.withLock { $0.isEmpty } ? nil : true }
            #expect(statuses.withLock { $0 } == [status("Ready", healthy: "3/3")], "one write, of the newest status")

            // A change still settling when the writer stops is written by the drain, without waiting.
            await writer.write(status("Degraded", healthy: "1/3"), of: key, uid: created.metadata.uid)
            running.cancel()
            await running.value
            await writer.drain(within: .seconds(5))
            #expect(try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status == status("Degraded", healthy: "1/3"))
        }
    }

    /// A drain that runs out of time (the API server gone silent behind a black-holed network) returns at
    /// its limit and names the policies it left unwritten: a stop is never held by it, and a new leader's
    /// older memory of them is told.
    @Test(.timeLimit(.minutes(1))) func aDrainThatRunsOutOfTimeNamesWhatItLeftUnwritten() async throws {
        try await withPolicy("status-drain-limit") { client, ns, _, created in
            let (proxy, configuration) = try await proxied()
            proxy.stall()
            try await withClient(try KubernetesClient(configuration: configuration)) { silent in
                let writer = StatusWriter(client: silent, logger: Logger(label: "status"), clock: ContinuousClock())
                var status = PolicyStatus()
                status.phase = "Ready"
                let keys = [ObjectKey(namespace: ns, name: "web"), ObjectKey(namespace: ns, name: "other")]
                for key in keys { await writer.write(status, of: key, uid: key.name == "web" ? created.metadata.uid : nil) }
                let unwritten = await writer.drain(within: .milliseconds(300))
                #expect(Set(unwritten) == Set(keys), "the write the limit cut off, and the one never started")
                // The connection still being made goes, so the client closes at once.
                proxy.cut()
            }
            await proxy.shutdown()
            #expect(try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status == nil)
        }
    }

    /// A write that fails on the way (its connection closed before the request reached the server) is tried
    /// again after the backoff, and lands.
    @Test(.timeLimit(.minutes(1))) func aWriteThatFailsIsTriedAgainAfterTheBackoff() async throws {
        try await withPolicy("status-retry") { client, ns, _, created in
            let (proxy, configuration) = try await proxied()
            try await withClient(try KubernetesClient(configuration: configuration)) { proxied in
                let clock = ManualClock()
                let writer = StatusWriter(client: proxied, logger: Logger(label: "status"), clock: clock, settle: .seconds(1))
                let running = Task { await writer.run() }
                defer { running.cancel() }
                var status = PolicyStatus()
                status.phase = "Ready"
                let key = ObjectKey(namespace: ns, name: "web")
                proxy.stall()
                await writer.write(status, of: key, uid: created.metadata.uid)
                try await eventually("the write's timer armed", timeout: .seconds(10)) { clock.sleeperCount > 0 ? true : nil }
                clock.advance(by: .seconds(1))
                try await eventually("the write's connection opened", timeout: .seconds(10)) { proxy.accepted > 0 ? true : nil }
                proxy.cut()
                try await eventually("the backoff's timer armed", timeout: .seconds(10)) { clock.sleeperCount > 0 ? true : nil }
                #expect(try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status == nil, "the failed write did not land")
                proxy.resume()
                clock.advance(by: .seconds(1))
                try await eventually("the write tried again") { () -> Bool? in
                    try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status == status ? true : nil
                }
            }
            await proxy.shutdown()
        }
    }

    /// A proxy in front of the plane's API server, and the plane's client configuration pointed at it.
    private func proxied() async throws -> (StreamProxy, ClientConfiguration) {
        var configuration = try await LocalControlPlane.shared().configuration()
        let port = try #require(configuration.server.split(separator: ":").last.flatMap { Int($0) })
        let proxy = try await StreamProxy.start(upstreamPort: port)
        configuration.server = "https://127.0.0.1:\(proxy.port)"
        return (proxy, configuration)
    }

    /// A policy named `web` in a namespace of its own, with its spec and as the API server returned it.
    private func withPolicy(
        _ namespace: String, _ body: (KubernetesClient, String, String, ResiliencePolicy) async throws -> Void
    ) async throws {
        _ = try await PolicyCRD.installed()
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace(namespace, client: client) { ns in
                let spec = #"{"targetRef":{"kind":"Deployment","name":"web"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                try await body(client, ns, spec, try await client.get(ResiliencePolicy.self, name: "web", namespace: ns))
            }
        }
    }
}
