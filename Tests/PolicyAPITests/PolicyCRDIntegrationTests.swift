import Foundation
import KubernetesAPI
import KubernetesClient
import ResilienceCore
import TestSupport
import Testing

/// The CRD as users meet it: kubectl explain, kubectl get, the examples, and what the schema refuses.
@Suite struct PolicyCRDIntegrationTests {
    @Test func explainTeachesTheFields() async throws {
        let plane = try await PolicyCRD.installed()
        let safety = try await plane.kubectl(["explain", "rp.spec.safety"])
        #expect(safety.contains("Limits that keep recovery from making an outage worse."))
        #expect(safety.contains("maxUnhealthy"))
        let deviation = try await plane.kubectl(["explain", "rp.spec.health.metrics.deviationFromPeers"])
        #expect(deviation.contains("median of"))
        // Whole descriptions, commas and all (a flow-style value once ended at its first comma).
        let phase = try await plane.kubectl(["explain", "rp.status.phase"])
        #expect(phase.contains("Ready, Degraded, Remediating, Suspended, Invalid, TargetMissing or Overlap."), "\(phase)")
        let window = try await plane.kubectl(["explain", "rp.spec.health.restarts.window"])
        #expect(window.contains("The sliding window, such as 10m."), "\(window)")
    }

    @Test func getShowsThePrinterColumns() async throws {
        let plane = try await PolicyCRD.installed()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("columns", client: client) { ns in
                let spec = #"{"targetRef":{"kind":"Deployment","name":"web"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                let status = #"{"status":{"phase":"Degraded","healthy":"2/3","lastAction":"restartPod web-1: succeeded"}}"#
                _ = try await client.patch(ResiliencePolicy.self, name: "web", namespace: ns, .merge(Array(status.utf8)), subresource: "status")
                let table = try await plane.kubectl(["-n", ns, "get", "rp"])
                let lines = table.split(separator: "\n")
                #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") == "NAME TARGET HEALTHY PHASE LAST ACTION AGE")
                #expect(lines.dropFirst().first?.contains("web") == true)
                #expect(lines.dropFirst().first?.contains("2/3") == true)
                #expect(lines.dropFirst().first?.contains("Degraded") == true)
                #expect(lines.dropFirst().first?.contains("restartPod web-1: succeeded") == true)
            }
        }
    }

    @Test func everyExampleApplies() async throws {
        let plane = try await PolicyCRD.installed()
        let folder = RepositoryPaths.root + "/examples"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count >= 4)
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("examples", client: client) { ns in
                for file in files {
                    // The current kubectl validates strictly, as current clusters do; then 1.20's applies it.
                    let dryRun = try await plane.currentKubectl(["-n", ns, "apply", "--dry-run=server", "-f", "\(folder)/\(file)"])
                    #expect(dryRun.contains("(server dry run)"), "\(file): \(dryRun)")
                    let output = try await plane.kubectl(["-n", ns, "apply", "-f", "\(folder)/\(file)"])
                    #expect(output.contains("created") || output.contains("configured"), "\(file): \(output)")
                }
                let policies = try await client.list(ResiliencePolicy.self, namespace: ns).items
                #expect(policies.count == files.count)
                for policy in policies {
                    #expect(PolicyValidator.validate(policy.spec) == [], "\(policy.metadata.name ?? "")")
                }
            }
        }
    }

    @Test func serverDefaultsMakeAMinimalPolicyComplete() async throws {
        let plane = try await PolicyCRD.installed()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("defaults", client: client) { ns in
                let answer = try await client.send(
                    .POST, ResiliencePolicy.path(namespace: ns),
                    body: PolicyCRD.body(name: "minimal", spec: #"{"targetRef":{"kind":"Deployment","name":"web"},"safety":{},"recovery":{}}"#))
                let policy = try PolicyDecoder.decode(Data(answer))
                #expect(policy.spec.dryRun == false)
                #expect(policy.spec.recovery?.steps == ["restartPod"])
                #expect(policy.spec.recovery?.podRestart == "evict")
                #expect(policy.spec.safety?.cooldown == "2m")
                #expect(policy.spec.safety?.minHealthy == .string("50%"))
                #expect(policy.spec.safety?.maxInFlight == 1)
                #expect(PolicyValidator.validate(policy.spec) == [])
            }
        }
    }

    /// A spec the schema must refuse, and the field the refusal must name, as 1.20 names it: its schema
    /// validator leaves list indices out (`spec.recovery.steps`), its set check puts them in.
    struct Invalid: Sendable, CustomTestStringConvertible {
        var field: String
        var spec: String
        var testDescription: String { field }
    }

    static let target = #""targetRef":{"kind":"Deployment","name":"web"}"#
    static let invalid: [Invalid] = [
        Invalid(field: "spec", spec: #"{"dryRun":true}"#),
        Invalid(field: "spec", spec: #"{\#(target),"selector":{"matchLabels":{"app":"web"}}}"#),
        Invalid(field: "spec.targetRef.kind", spec: #"{"targetRef":{"kind":"DaemonSet","name":"web"}}"#),
        Invalid(field: "spec.targetRef.name", spec: #"{"targetRef":{"kind":"Deployment"}}"#),
        Invalid(field: "spec.dryRun", spec: #"{\#(target),"dryRun":"yes"}"#),
        Invalid(field: "spec.selector.matchExpressions.operator", spec: #"{"selector":{"matchExpressions":[{"key":"a","operator":"Near"}]}}"#),
        Invalid(field: "spec.health.notReadyFor", spec: #"{\#(target),"health":{"notReadyFor":"30 seconds"}}"#),
        Invalid(field: "spec.health.pendingFor", spec: #"{\#(target),"health":{"pendingFor":"5"}}"#),
        Invalid(field: "spec.health.restarts.limit", spec: #"{\#(target),"health":{"restarts":{"limit":0,"window":"10m"}}}"#),
        Invalid(field: "spec.health.restarts.window", spec: #"{\#(target),"health":{"restarts":{"limit":3}}}"#),
        Invalid(field: "spec.health.waitingReasons[1]", spec: #"{\#(target),"health":{"waitingReasons":["CrashLoopBackOff","CrashLoopBackOff"]}}"#),
        Invalid(field: "spec.health.probe.httpGet.port", spec: #"{\#(target),"health":{"probe":{"httpGet":{"port":70000}}}}"#),
        Invalid(field: "spec.health.probe.httpGet.path", spec: #"{\#(target),"health":{"probe":{"httpGet":{"port":80,"path":"healthz"}}}}"#),
        Invalid(field: "spec.health.probe.failureThreshold", spec: #"{\#(target),"health":{"probe":{"httpGet":{"port":80},"failureThreshold":0}}}"#),
        Invalid(field: "spec.health.metrics.query", spec: #"{\#(target),"health":{"metrics":[{"name":"m","above":1}]}}"#),
        Invalid(field: "spec.health.metrics", spec: #"{\#(target),"health":{"metrics":[{"name":"m","query":"q"}]}}"#),
        Invalid(field: "spec.health.metrics.onMissing", spec: #"{\#(target),"health":{"metrics":[{"name":"m","query":"q","above":1,"onMissing":"skip"}]}}"#),
        Invalid(field: "spec.health.metrics.deviationFromPeers", spec: #"{\#(target),"health":{"metrics":[{"name":"m","query":"q","deviationFromPeers":0}]}}"#),
        Invalid(field: "spec.recovery.steps[1]", spec: #"{\#(target),"recovery":{"steps":["isolate","isolate"]}}"#),
        Invalid(field: "spec.recovery.steps", spec: #"{\#(target),"recovery":{"steps":["reboot"]}}"#),
        Invalid(field: "spec.recovery.podRestart", spec: #"{\#(target),"recovery":{"podRestart":"kill"}}"#),
        Invalid(field: "spec.recovery.scaleUp.maxSurge", spec: #"{\#(target),"recovery":{"scaleUp":{"maxSurge":0}}}"#),
        Invalid(field: "spec.safety.minHealthy", spec: #"{\#(target),"safety":{"minHealthy":"150%"}}"#),
        Invalid(field: "spec.safety.maxUnhealthy", spec: #"{\#(target),"safety":{"maxUnhealthy":"half"}}"#),
        Invalid(field: "spec.safety.maxInFlight", spec: #"{\#(target),"safety":{"maxInFlight":0}}"#),
        Invalid(field: "spec.safety.maxActions.window", spec: #"{\#(target),"safety":{"maxActions":{"count":3,"window":"hourly"}}}"#),
        Invalid(field: "spec.safety.cooldown", spec: #"{\#(target),"safety":{"cooldown":"2 minutes"}}"#),
        Invalid(field: "spec.alerting.alertmanager.url", spec: #"{\#(target),"alerting":{"alertmanager":{"url":"alertmanager:9093"}}}"#),
        Invalid(field: "spec.alerting.webhooks.format", spec: #"{\#(target),"alerting":{"webhooks":[{"urlFrom":{"secretKeyRef":{"name":"h","key":"k"}},"format":"teams"}]}}"#),
        Invalid(field: "spec.alerting.webhooks.urlFrom.secretKeyRef.key", spec: #"{\#(target),"alerting":{"webhooks":[{"urlFrom":{"secretKeyRef":{"name":"h"}}}]}}"#),
    ]

    @Test(arguments: invalid)
    func schemaRefusesInvalidPoliciesNamingTheField(_ invalid: Invalid) async throws {
        let plane = try await PolicyCRD.installed()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            let error = await #expect(throws: KubernetesError.self) {
                try await client.send(.POST, ResiliencePolicy.path(namespace: "default") + "?dryRun=All", body: PolicyCRD.body(name: "invalid", spec: invalid.spec))
            }
            #expect(error?.reason == .invalid, "\(String(describing: error))")
            let fields = (error?.status?.details?.causes ?? []).compactMap(\.field)
            let named = fields.contains(invalid.field) || (error?.message.contains("\"\(invalid.field)\"") ?? false)
            #expect(named, "the refusal must name \(invalid.field): \(String(describing: error))")
        }
    }
}
