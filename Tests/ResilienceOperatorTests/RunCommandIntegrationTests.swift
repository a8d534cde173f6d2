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
    /// Flags that would make a hot loop, or send queries off to anything but http(s), are refused before
    /// anything starts, naming the flag.
    @Test(arguments: [
        (["--metrics-interval", "0"], "--metrics-interval must be at least 1 second"),
        (["--qps", "0"], "--qps must be at least 1"),
        (["--prometheus-url", "file:///etc/passwd"], "--prometheus-url must be an http(s) URL"),
    ])
    func flagsThatWouldMakeAHotLoopAreRefused(_ flags: [String], _ message: String) async throws {
        let result = try await ProcessRunner.run(try LocalControlPlane.operatorExecutable(), ["run", "--kubeconfig", "/nonexistent"] + flags)
        #expect(result.exitCode != 0)
        #expect(result.output.contains(message), "\(result.output)")
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
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).log")
                FileManager.default.createFile(atPath: log.path, contents: nil)
                defer { try? FileManager.default.removeItem(at: log) }
                let output = try FileHandle(forWritingTo: log)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: try LocalControlPlane.operatorExecutable())
                // Options from the command line and from the environment, as a Deployment's env: would set them.
                process.arguments = ["run", "--kubeconfig", plane.kubeconfigPath, "--namespace", ns, "--log-format", "json"]
                process.environment = ProcessInfo.processInfo.environment.merging([
                    "RESILIENCE_METRICS_ADDRESS": "127.0.0.1:0", "RESILIENCE_LEADER_ELECT": "true", "RESILIENCE_LEADER_ELECTION_NAMESPACE": ns,
                    "RESILIENCE_MAX_ACTIONS": "5", "RESILIENCE_LOG_FORMAT": "text",
                ]) { _, new in new }
                process.standardOutput = output
                process.standardError = output
                let exited = AsyncStream.makeStream(of: Int32.self)
                process.terminationHandler = { exited.continuation.yield($0.terminationStatus); exited.continuation.finish() }
                try process.run()
                defer { if process.isRunning { process.terminate() } }
                func lines() -> [[String: String]] {
                    ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
                    }
                }
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

                kill(process.processIdentifier, SIGTERM)
                var code: Int32 = -1
                for await status in exited.stream { code = status }
                try output.close()
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
