import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import PodSimulator
import ResilienceCore
import ResilienceOperator
import Synchronization
import TestSupport
import Testing

/// The operator as it runs in a pod: in-cluster configuration with the manifests' ServiceAccount token,
/// its least-privilege RBAC, leader election in its own namespace.
@Suite struct InClusterIntegrationTests {
    /// Every line the operator logs, as JSON.
    private final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func withTheManifestsServiceAccountEveryStepWorksWithoutASingleForbiddenRequest() async throws {
        let plane = try await OperatorManifests.installed()
        let (_, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { admin in
            // The pod's service-account folder, as the kubelet mounts it.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let token = try await eventually("a token for the operator's ServiceAccount") {
                try await ServiceAccountTokens.token(for: "resilience-operator", namespace: "resilience-system", admin: admin)
            }
            try Data(token.utf8).write(to: folder.appendingPathComponent("token"))
            try FileManager.default.copyItem(atPath: plane.stateDirectory + "/pki/ca.crt", toPath: folder.appendingPathComponent("ca.crt").path)
            try Data("resilience-system".utf8).write(to: folder.appendingPathComponent("namespace"))
            let server = try #require(URL(string: try plane.configuration().server))
            let configuration = try ConfigurationLoader.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": server.host!, "KUBERNETES_SERVICE_PORT": "\(server.port!)"], serviceAccountDirectory: folder.path)
            #expect(configuration.source == "in-cluster configuration")

            try await withNamespace("op-incluster", client: admin) { ns in
                let web = TestSimulation.deployment("web", replicas: 3)
                let api = TestSimulation.deployment("api", replicas: 3, gates: [Action.servingGate])
                for body in [web.deployment, api.deployment] { try await admin.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: body) }
                try await admin.send(.POST, "/api/v1/namespaces/\(ns)/services", body: api.service)
                let version = try await admin.servedVersions().first(of: ["policy/v1", "policy/v1beta1"]) ?? "policy/v1"
                try await admin.send(.POST, "/apis/\(version)/namespaces/\(ns)/poddisruptionbudgets", body: Array(#"""
                    {"apiVersion":"\#(version)","kind":"PodDisruptionBudget","metadata":{"name":"web"},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"web"}}}}
                    """#.utf8))
                let crash = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"restarts":{"limit":1,"window":"10m"}},"safety":{"cooldown":"1s","maxUnhealthy":"50%"}}"#
                let isolate = #"{"targetRef":{"kind":"Deployment","name":"api"},"health":{"notReadyFor":"1s"},"recovery":{"steps":["isolate","scaleUp"],"stepTimeout":"3s","scaleUp":{"maxSurge":1}},"safety":{"cooldown":"1s","minHealthy":0,"maxUnhealthy":"50%"}}"#
                try await admin.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: crash))
                try await admin.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "api", spec: isolate))

                let lines = Lines()
                var logger = Logger(label: "operator") { label in JSONLogHandler(label: label) { line in lines.append(line) } }
                logger.logLevel = .debug
                try await withClient(KubernetesClient(configuration: configuration)) { client in
                    var settings = ResilienceOperator.Configuration(namespace: ns, instance: "in-cluster")
                    settings.leaderElection = .init(leaseName: "resilience-operator-\(ns)", namespace: "resilience-system", identity: "in-cluster")
                    let service = ResilienceOperator(client: client, configuration: settings, logger: logger)
                    let running = Task { try await service.run() }
                    defer { running.cancel() }
                    // The operator opens the api pods' gates, or they would never be Ready.
                    let pods = try await TestSimulation.readyPods(6, in: ns, client: admin)
                    let crashing = try #require(pods.first { $0.metadata.labels?["app"] == "web" })
                    let flaky = try #require(pods.first { $0.metadata.labels?["app"] == "api" })
                    for (pod, fault) in [(crashing, "crashLoop"), (flaky, "notReady")] {
                        try await TestSimulation.setFaults(fault, on: pod.metadata.name!, in: ns, client: admin)
                    }
                    try await eventually("the crash-looping pod evicted", timeout: .seconds(60)) { () -> Bool? in
                        try await admin.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.lastActions?.contains { $0.pod == crashing.metadata.name && $0.result == "succeeded" } == true ? true : nil
                    }
                    try await eventually("api scaled up for its isolated pod", timeout: .seconds(60)) { () -> Bool? in
                        try await admin.get(Deployment.self, name: "api", namespace: ns).spec?.replicas == 4 ? true : nil
                    }
                    try await TestSimulation.setFaults(nil, on: flaky.metadata.name!, in: ns, client: admin)
                    try await eventually("api released and back to 3", timeout: .seconds(60)) { () -> Bool? in
                        let steps = try await admin.get(ResiliencePolicy.self, name: "api", namespace: ns).status?.lastActions?.filter { $0.result == "succeeded" }.map(\.step) ?? []
                        return steps.contains("release") && steps.contains("scaleDown") ? true : nil
                    }
                    let events = try await ToldEvents.waitFor("the restart's Event", in: ns, client: admin) { events in events.contains { $0.reason == "Restarted" } }
                    #expect(events.contains { $0.reason == "Restarted" && $0.reportingInstance == "in-cluster" }, "Events written with the operator's token")
                    running.cancel()
                    _ = await running.result
                }
                let all = lines.all
                #expect(all.contains { $0.contains("became leader") }, "leader election with the operator's Role")
                let forbidden = ForbiddenRequests.lines(in: all)
                #expect(forbidden.isEmpty, "\(forbidden)")
                // The log is JSON, one object a line.
                #expect(all.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] })
            }
        }
    }
}
