import FaultInjection
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubernetesAPI
import KubernetesClient
import ResilienceCore
import TestSupport
import Testing

/// `resilience-operator run` as a process: endpoints, JSON logs, leader election, and a clean stop on SIGTERM.
@Suite struct RunCommandIntegrationTests {
    /// Flags that would make a hot loop, overflow a duration or a burst (an infinite or huge number), or send
    /// queries off to anything but http(s), are refused before anything starts, naming the flag.
    @Test(arguments: [
        (["--metrics-interval", "0"], "--metrics-interval must be at least 1 second and at most a day"),
        (["--metrics-interval", "inf"], "--metrics-interval must be at least 1 second and at most a day"),
        (["--max-actions-window", "1e300"], "--max-actions-window must be over 0 and at most a year (31536000 s), not 1e+300"),
        (["--max-actions", "0"], "--max-actions must be positive, not 0"),
        (["--qps", "0"], "--qps must be between 1 and 100000"),
        (["--qps", "inf"], "--qps must be between 1 and 100000"),
        (["--prometheus-url", "file:///etc/passwd"], "--prometheus-url must be an http(s) URL"),
        (["--lease-duration", "5", "--renew-deadline", "5"], "need 3600 >= --lease-duration > --renew-deadline > --retry-period > 0"),
        (["--lease-duration", "inf"], "need 3600 >= --lease-duration > --renew-deadline > --retry-period > 0"),
    ])
    func flagsThatWouldMakeAHotLoopAreRefused(_ flags: [String], _ message: String) async throws {
        let result = try await ProcessRunner.run(try LocalControlPlane.operatorExecutable(), ["run", "--kubeconfig", "/nonexistent"] + flags)
        #expect(result.exitCode != 0)
        #expect(result.output.contains(message), "\(result.output)")
    }

    /// Two replicas with leader election; the leader is SIGKILLed (no release, no drain) after acting on one
    /// crash loop, during another: the other replica takes the Lease once it expires and carries on from
    /// the status's memory. Every crash-looping pod is restarted once, none twice.
    @Test func aSIGKILLedLeadersSuccessorActsOnceOnEachPod() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-kill", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 4).deployment)
                let pods = try await TestSimulation.readyPods(4, in: ns, client: client)
                let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","maxInFlight":2,"minHealthy":0,"maxUnhealthy":"100%"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                func replica(_ name: String) throws -> OperatorProcess {
                    try OperatorProcess([
                        "--kubeconfig", plane.kubeconfigPath, "--namespace", ns, "--log-format", "json", "--metrics-address", "127.0.0.1:0",
                        "--leader-elect", "--leader-election-namespace", ns,
                        "--lease-duration", "4", "--renew-deadline", "3", "--retry-period", "0.5",
                    ], environment: ["POD_NAME": name])
                }
                var replicas = ["replica-a": try replica("replica-a"), "replica-b": try replica("replica-b")]
                let leader = try await eventually("a leader") { try await client.get(Lease.self, name: "resilience-operator", namespace: ns).spec.holderIdentity.flatMap { $0.isEmpty ? nil : $0 } }
                func restarted(_ pod: Pod) async throws -> Bool {
                    try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.lastActions?.contains { $0.pod == pod.metadata.name && $0.result == "succeeded" } == true
                }
                try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
                try await eventually("the first pod restarted by the leader", timeout: .seconds(60)) { try await restarted(pods[0]) ? true : nil }
                // A second crash loop starts, and the leader dies without a word.
                try await TestSimulation.setFaults("crashLoop", on: pods[1].metadata.name!, in: ns, client: client)
                #expect(try await replicas[leader]?.stop(SIGKILL) == SIGKILL)
                replicas[leader] = nil
                let successor = try await eventually("the other replica to lead", timeout: .seconds(30)) { () -> String? in
                    let holder = try await client.get(Lease.self, name: "resilience-operator", namespace: ns).spec.holderIdentity
                    return holder != nil && holder != leader && holder != "" ? holder : nil
                }
                try await TestSimulation.setFaults("crashLoop", on: pods[2].metadata.name!, in: ns, client: client)
                let sick = Set(pods.prefix(3).compactMap(\.metadata.uid))
                try await eventually("every crash-looping pod restarted", timeout: .seconds(60)) { () -> Bool? in
                    let live = try await client.list(Pod.self, namespace: ns).items.filter { $0.metadata.deletionTimestamp == nil }.compactMap(\.metadata.uid)
                    return sick.isDisjoint(with: live) ? true : nil
                }
                // None twice, and nothing else: the Events say who restarted what (the killed leader's last ones,
                // told after its action, may be lost with it; the action is not).
                let third = pods[2].metadata.uid
                let events = try await ToldEvents.waitFor("the successor's Event for the third pod", in: ns, client: client) { events in
                    events.contains { $0.reason == "Restarted" && $0.reportingInstance == successor && $0.involvedObject.uid == third }
                }.filter { $0.reason == "Restarted" }
                #expect(events.allSatisfy { sick.contains($0.involvedObject.uid ?? "") }, "only the crash-looping pods: \(events.map { $0.involvedObject.name ?? "" })")
                for uid in sick {
                    #expect(events.filter { $0.involvedObject.uid == uid }.map { $0.count ?? 1 }.reduce(0, +) <= 1, "\(uid) restarted once")
                }
                #expect(try await client.get(Pod.self, name: pods[3].metadata.name!, namespace: ns).metadata.uid == pods[3].metadata.uid, "the healthy pod left alone")
                #expect(try await replicas[successor]?.stop(SIGTERM) == 0)
            }
        }
    }

    /// Two replicas, each reaching the API server through a proxy of its own. The leader's connections
    /// stall (no bytes either way, no error) while a pod starts crash-looping: it stops acting at its
    /// renew deadline and exits (as controller-runtime's managers do, for the kubelet to restart it), and
    /// the other takes the Lease once it runs out and restarts the pod. When the stall ends, whatever the
    /// old leader had sent reaches the server late, and nothing is acted on twice. The exited replica is
    /// started again, as a kubelet would; then the new leader is SIGTERMed during two more crash loops:
    /// it releases the Lease, the first takes it and acts. Each crash-looping pod is restarted once, the
    /// healthy one never.
    @Test func aStalledLeaderStopsActingItsSuccessorActsAndASIGTERMHandsBack() async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-stall", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 5).deployment)
                let pods = try await TestSimulation.readyPods(5, in: ns, client: client)
                let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","maxInFlight":2,"minHealthy":0,"maxUnhealthy":"100%"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                let server = try plane.configuration().server
                let port = try #require(server.split(separator: ":").last.flatMap { Int($0) })
                let kubeconfig = try String(contentsOfFile: plane.kubeconfigPath, encoding: .utf8)
                var proxies: [String: StreamProxy] = [:]
                for name in ["replica-a", "replica-b"] { proxies[name] = try await StreamProxy.start(upstreamPort: port) }
                func kubeconfigPath(_ name: String) -> String { FileManager.default.temporaryDirectory.appendingPathComponent("\(ns)-\(name).kubeconfig").path }
                defer { for name in ["replica-a", "replica-b"] { try? FileManager.default.removeItem(atPath: kubeconfigPath(name)) } }
                func replica(_ name: String) throws -> OperatorProcess {
                    let path = kubeconfigPath(name)
                    try kubeconfig.replacingOccurrences(of: server, with: "https://127.0.0.1:\(proxies[name]!.port)").write(toFile: path, atomically: true, encoding: .utf8)
                    return try OperatorProcess([
                        "--kubeconfig", path, "--namespace", ns, "--log-format", "json", "--metrics-address", "127.0.0.1:0",
                        "--leader-elect", "--leader-election-namespace", ns,
                        "--lease-duration", "4", "--renew-deadline", "3", "--retry-period", "0.5", "--log-level", "debug",
                    ], environment: ["POD_NAME": name])
                }
                var replicas = ["replica-a": try replica("replica-a"), "replica-b": try replica("replica-b")]
                func holder() async throws -> String? {
                    try await client.get(Lease.self, name: "resilience-operator", namespace: ns).spec.holderIdentity.flatMap { $0.isEmpty ? nil : $0 }
                }
                func gone(_ chosen: ArraySlice<Pod>) async throws -> Bool? {
                    let live = try await client.list(Pod.self, namespace: ns).items.filter { $0.metadata.deletionTimestamp == nil }.compactMap(\.metadata.uid)
                    return Set(chosen.compactMap(\.metadata.uid)).isDisjoint(with: live) ? true : nil
                }
                let stalled = try await eventually("a leader") { try await holder() }
                let other = stalled == "replica-a" ? "replica-b" : "replica-a"
                // The leader must know it leads before the stall: a Lease created at the server whose answer the
                // stall holds back leaves a candidate that never led, and has nothing to give up.
                try await eventually("the leader to know it leads") { [replicas] in
                    replicas[stalled]?.lines().contains { $0["message"] == "became leader" } == true ? true : nil
                }
                proxies[stalled]?.stall()
                try await TestSimulation.setFaults("crashLoop", on: pods[0].metadata.name!, in: ns, client: client)
                try await eventually("the other replica to lead", timeout: .seconds(30)) { try await holder() == other ? true : nil }
                try await eventually("the first pod restarted by the other", timeout: .seconds(60)) { try await gone(pods[0...0]) }
                let exited: Int32
                do {
                    exited = try await eventually("the stalled replica to exit", timeout: .seconds(20)) { [replicas] in replicas[stalled]?.exitStatus }
                } catch {
                    // What the stalled replica was doing, for the failure's report.
                    for line in replicas[stalled]?.lines() ?? [] { print("stalled replica:", line) }
                    print("stalled replica, /proc:", replicas[stalled]?.kernelStatus.split(separator: "\n").prefix(8).joined(separator: "; ") ?? "")
                    throw error
                }
                #expect(exited != 0, "a replica that lost the Lease exits with an error")
                try await TestSimulation.setFaults("crashLoop", on: pods[1].metadata.name!, in: ns, client: client)
                try await Task.sleep(for: .seconds(1))
                // What the stalled leader had sent arrives now.
                proxies[stalled]?.resume()
                try await eventually("the second pod restarted", timeout: .seconds(60)) { try await gone(pods[1...1]) }
                replicas[stalled] = try replica(stalled)
                try await Task.sleep(for: .seconds(2))
                #expect(try await holder() == other, "the restarted replica waits for the Lease")

                try await TestSimulation.setFaults("crashLoop", on: pods[2].metadata.name!, in: ns, client: client)
                try await TestSimulation.setFaults("crashLoop", on: pods[3].metadata.name!, in: ns, client: client)
                #expect(try await replicas[other]?.stop(SIGTERM) == 0)
                try await eventually("the first replica to lead again", timeout: .seconds(30)) { try await holder() == stalled ? true : nil }
                try await eventually("every crash-looping pod restarted", timeout: .seconds(60)) { try await gone(pods[0...3]) }

                let sick = Set(pods.prefix(4).compactMap(\.metadata.uid))
                let events = try await ToldEvents.waitFor("an Event for each restart", in: ns, client: client) { events in
                    Set(events.filter { $0.reason == "Restarted" }.compactMap(\.involvedObject.uid)).isSuperset(of: sick)
                }.filter { $0.reason == "Restarted" }
                #expect(events.allSatisfy { sick.contains($0.involvedObject.uid ?? "") }, "only the crash-looping pods: \(events.map { $0.involvedObject.name ?? "" })")
                for uid in sick {
                    #expect(events.filter { $0.involvedObject.uid == uid }.map { $0.count ?? 1 }.reduce(0, +) == 1, "\(uid) restarted once")
                }
                #expect(events.filter { $0.involvedObject.uid == pods[0].metadata.uid }.allSatisfy { $0.reportingInstance == other }, "the stalled leader never restarted the first pod")
                #expect(try await client.get(Pod.self, name: pods[4].metadata.name!, namespace: ns).metadata.uid == pods[4].metadata.uid, "the healthy pod left alone")
                #expect(try await replicas[stalled]?.stop(SIGTERM) == 0)
                for proxy in proxies.values { await proxy.shutdown() }
            }
        }
    }

    @Test func runServesItsEndpointsLogsJSONAndStopsCleanlyOnSIGTERM() async throws {
        // RESILIENCE_LOG_FORMAT=text loses to --log-format json: the log below parses as JSON only if so.
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("op-run", client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 2).deployment)
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(
                    name: "web", spec: #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":3,"window":"10m"}}}"#))
                // Options from the command line and from the environment, as a Deployment's env: would set them.
                let process = try OperatorProcess(["--kubeconfig", plane.kubeconfigPath, "--namespace", ns, "--log-format", "json"], environment: [
                    "RESILIENCE_METRICS_ADDRESS": "127.0.0.1:0", "RESILIENCE_LEADER_ELECT": "true", "RESILIENCE_LEADER_ELECTION_NAMESPACE": ns,
                    "RESILIENCE_MAX_ACTIONS": "5", "RESILIENCE_LOG_FORMAT": "text",
                ])
                let lines = process.lines
                let port = try await eventually("the endpoints' port in the log") { lines().first { $0["message"]?.hasPrefix("serving") == true }?["port"] }
                func get(_ path: String) async throws -> (Int, String) {
                    let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
                    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
                }
                #expect(try await get("/healthz").0 == 200)
                try await eventually("ready once the caches synced") { try await get("/readyz").0 == 200 ? true : nil }
                let metrics = try await eventually("the policy reconciled, in /metrics") { () -> String? in
                    let text = try await get("/metrics").1
                    return text.contains(#"resilience_unhealthy_pods{policy="\#(ns)/web"} 0"#) && text.contains(#"resilience_reconcile_total{"#) ? text : nil
                }
                #expect(metrics.contains(#"resilience_reconcile_duration_seconds_count{controller="policies"}"#), "\(metrics.prefix(2000))")
                #expect(metrics.contains("resilience_workqueue_depth"))
                try await eventually("the leader's lease") { try await client.get(Lease.self, name: "resilience-operator", namespace: ns).spec.holderIdentity.flatMap { $0.isEmpty ? nil : $0 } }

                let code = try await process.stop(SIGTERM)
                #expect(code == 0, "\(lines().suffix(5))")
                let messages = lines().compactMap { $0["message"] }
                #expect(messages.contains("released the lease"), "\(messages)")
                #expect(messages.last == "stopped", "\(messages)")
                #expect(!lines().contains { $0["level"] == "error" || $0["level"] == "warning" }, "a clean stop: \(lines().filter { $0["level"] != "info" })")
                #expect(try await client.get(Lease.self, name: "resilience-operator", namespace: ns).spec.holderIdentity ?? "" == "", "handed over at once")
            }
        }
    }
}
