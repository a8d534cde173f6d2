import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import PodSimulator
import ResilienceCore
import ResilienceOperator
import TestSupport
import Testing

/// Metric rules, judged from a real Prometheus that scrapes the simulated pods at their own addresses.
@Suite(.serialized) struct MetricRuleIntegrationTests {
    private func scenario(prometheus: PrometheusProcess?, ns prefix: String, check: (KubernetesClient, String, [Pod], String) async throws -> Void) async throws {
        _ = try await PolicyCRD.installed()
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace(prefix, client: client) { ns in
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: TestSimulation.deployment("web", replicas: 4).deployment)
                let pods = try await TestSimulation.readyPods(4, in: ns, client: client)
                try await TestSimulation.setFaults("errorRatio=0.3", on: pods[0].metadata.name!, in: ns, client: client)
                let query = #"sum by (pod) (rate(http_requests_total{namespace="\#(ns)",code="500"}[15s])) / sum by (pod) (rate(http_requests_total{namespace="\#(ns)"}[15s]))"#
                let spec = #"{"targetRef":{"kind":"Deployment","name":"web"},"health":{"metrics":[{"name":"error-ratio","query":"\#(query.replacingOccurrences(of: "\"", with: "\\\""))","deviationFromPeers":0.5,"onMissing":"ignore","interval":"1s"}]},"safety":{"cooldown":"1s","maxUnhealthy":"50%"}}"#
                try await client.send(.POST, ResiliencePolicy.path(namespace: ns), body: PolicyCRD.body(name: "web", spec: spec))
                var configuration = ResilienceOperator.Configuration(namespace: ns, instance: "test")
                configuration.prometheus = prometheus.map { "http://127.0.0.1:\($0.port)" } ?? "http://127.0.0.1:1"
                // The rule's own interval (1s) wins over the operator's default.
                configuration.metricsInterval = .seconds(300)
                let service = ResilienceOperator(client: client, configuration: configuration, logger: Logger(label: "operator"))
                let running = Task { try await service.run() }
                defer { running.cancel() }
                try await check(client, ns, pods, query)
                running.cancel()
                _ = await running.result
            }
        }
    }

    @Test func aPodWhoseErrorRatioDeviatesFromItsPeersIsRestartedAndTheOthersLeftAlone() async throws {
        let (_, simulator) = try await TestSimulation.shared()
        let prometheus = try PrometheusProcess(discovery: "http://127.0.0.1:\(simulator.discoveryPort)/sd")
        defer { prometheus.stop() }
        try await prometheus.ready()
        try await scenario(prometheus: prometheus, ns: "op-metric") { client, ns, pods, query in
            let sick = pods[0]
            let status = { () async -> String in
                let policy = try? await client.get(ResiliencePolicy.self, name: "web", namespace: ns)
                let series = (try? await prometheus.query(query)) ?? []
                return "status: \(String(describing: policy?.status?.pods)); the rule's query: \(series.map { "\($0.labels["pod"] ?? "")=\($0.value)" })"
            }
            try await eventually("the outlier evicted and replaced", timeout: .seconds(90), diagnose: status) { () -> Bool? in
                let now = try await client.list(Pod.self, namespace: ns).items
                return !now.contains { $0.metadata.uid == sick.metadata.uid } && now.count == 4 && now.allSatisfy(\.isReady) ? true : nil
            }
            // While the rate windows fill, the operator may see too many outliers and hold back (the
            // short-circuit); the eviction that happened is the one that counts.
            let action = try await eventually("the eviction in the status") { () -> PolicyStatus.ActionRecord? in
                try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status?.lastActions?.first { $0.pod == sick.metadata.name && $0.result == "succeeded" }
            }
            // The 15 s rate window may still be filling with the fault: any value far from the peers counts.
            #expect(action.reason.contains("error-ratio is 0."), "\(action.reason)")
            #expect(action.reason.contains("from the median 0.01 of"), "\(action.reason)")
            for pod in pods.dropFirst() {
                #expect(try await client.get(Pod.self, name: pod.metadata.name!, namespace: ns).metadata.uid == pod.metadata.uid, "peers left alone")
            }
        }
    }

    @Test func withPrometheusGoneTheRuleFollowsOnMissingAndNothingIsRestarted() async throws {
        try await scenario(prometheus: nil, ns: "op-missing") { client, ns, pods, _ in
            let status = try await eventually("the status to have judged the pods") { () -> PolicyStatus? in
                let status = try await client.get(ResiliencePolicy.self, name: "web", namespace: ns).status
                return status?.healthy == "4/4" ? status : nil
            }
            #expect(status.lastActions == nil)
            try await Task.sleep(for: .seconds(3))
            for pod in pods {
                #expect(try await client.get(Pod.self, name: pod.metadata.name!, namespace: ns).metadata.uid == pod.metadata.uid, "nothing restarted on missing data")
            }
            let plan = try await ProcessRunner.run(
                try LocalControlPlane.operatorExecutable(), ["plan", "--kubeconfig", try await TestSimulation.shared().plane.kubeconfigPath, "-n", ns])
            #expect(plan.output.contains("error-ratio unknown"), "\(plan.output)")
        }
    }
}
