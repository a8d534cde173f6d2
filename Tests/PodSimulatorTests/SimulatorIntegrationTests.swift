import Foundation
import KubernetesAPI
import KubernetesClient
import NIOPosix
import OperatorRuntime
import PodSimulator
import TestSupport
import Testing

/// The simulator against the real control plane: pods run, get addresses, serve, fail and go.
@Suite struct SimulatorIntegrationTests {
    private func running(_ name: String, replicas: Int, in ns: String, client: KubernetesClient, annotations: [String: String] = [:], gates: [String] = []) async throws -> [Pod] {
        let objects = TestSimulation.deployment(name, replicas: replicas, annotations: annotations, gates: gates)
        try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: objects.deployment)
        try await client.send(.POST, "/api/v1/namespaces/\(ns)/services", body: objects.service)
        return try await eventually("\(replicas) pods of \(name) running with addresses") { () -> [Pod]? in
            let pods = try await client.list(Pod.self, namespace: ns).items.filter { $0.metadata.labels?["app"] == name && $0.metadata.deletionTimestamp == nil }
            return pods.count == replicas && pods.allSatisfy({ $0.status?.phase == "Running" && $0.status?.podIP != nil }) ? pods : nil
        }
    }

    @Test func threeReplicasBecomeReadyAndTheServiceListsTheirAddresses() async throws {
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sim-ready", client: client) { ns in
                let pods = try await running("web", replicas: 3, in: ns, client: client)
                let addresses = Set(pods.compactMap(\.status?.podIP))
                #expect(addresses.count == 3)
                #expect(addresses.allSatisfy { $0.hasPrefix("127.") && !$0.hasPrefix("127.0.") })
                let ready = try await eventually("3/3 ready") { () -> Bool? in
                    let deployment = try await client.get(Deployment.self, name: "web", namespace: ns)
                    return deployment.status?.readyReplicas == 3 ? true : nil
                }
                #expect(ready)
                let endpoints = try await eventually("the Service's endpoints to list the three pods, ready") { () -> [String: Bool]? in
                    let endpoints = try await TestSimulation.endpoints("web", namespace: ns, client: client)
                    return Set(endpoints.keys) == addresses && endpoints.values.allSatisfy({ $0 }) ? endpoints : nil
                }
                #expect(endpoints.count == 3)
            }
        }
    }

    @Test func aDeletedPodIsReplacedByANewReadyOne() async throws {
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sim-delete", client: client) { ns in
                let pods = try await running("web", replicas: 2, in: ns, client: client)
                let victim = try #require(pods.first?.metadata.name)
                try await client.delete(Pod.self, name: victim, namespace: ns)
                // The simulated kubelet finishes the graceful deletion; the ReplicaSet makes a new pod.
                let names = try await eventually("a new Ready pod in place of \(victim)") { () -> Set<String>? in
                    let pods = try await client.list(Pod.self, namespace: ns).items
                    let names = Set(pods.compactMap(\.metadata.name))
                    return pods.count == 2 && !names.contains(victim) && pods.allSatisfy(\.isReady) ? names : nil
                }
                #expect(!names.contains(victim))
                #expect(names.contains(try #require(pods.last?.metadata.name)))
            }
        }
    }

    @Test func aCrashLoopFaultShowsInKubectlWithGrowingRestarts() async throws {
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sim-crash", client: client) { ns in
                let pods = try await running("web", replicas: 1, in: ns, client: client)
                let name = try #require(pods.first?.metadata.name)
                let fault = try await ProcessRunner.run(
                    try LocalControlPlane.simulatorExecutable(),
                    ["fault", "--kubeconfig", plane.kubeconfigPath, "-n", ns, "--selector", "app=web", "--set", "crashLoop"])
                #expect(fault.exitCode == 0, "\(fault.output)")
                #expect(fault.output.contains("\(ns)/\(name): crashLoop"))
                func restarts() async throws -> (status: String, restarts: Int)? {
                    let line = try await plane.kubectl(["-n", ns, "get", "pod", name, "--no-headers"])
                    let columns = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                    guard columns.count >= 4, let count = Int(columns[3]) else { return nil }
                    return (columns[2], count)
                }
                let first = try await eventually("CrashLoopBackOff in kubectl get pods", timeout: .seconds(30)) { () -> Int? in
                    guard let row = try await restarts(), row.status == "CrashLoopBackOff" else { return nil }
                    return row.restarts
                }
                try await eventually("the restart count to grow past \(first)", timeout: .seconds(30)) { () -> Bool? in
                    (try await restarts()?.restarts ?? 0) > first ? true : nil
                }
            }
        }
    }

    @Test func faultsInTheDeploymentsTemplateReachEveryPod() async throws {
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sim-template", client: client) { ns in
                let pods = try await running("web", replicas: 2, in: ns, client: client, annotations: [Faults.annotation: "notReady,healthFail"])
                for pod in pods {
                    #expect(await TestSimulation.get("http://\(pod.status!.podIP!):8080/ready") == 500)
                }
                let listed = try await client.list(Pod.self, namespace: ns).items
                #expect(listed.allSatisfy { !$0.isReady && $0.status?.phase == "Running" })
            }
        }
    }

    @Test func aPodWhoseReadinessGateIsFalseStaysOutOfTheEndpoints() async throws {
        let (plane, _) = try await TestSimulation.shared()
        let gate = "resilience.dev/serving"
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sim-gate", client: client) { ns in
                let pods = try await running("web", replicas: 2, in: ns, client: client, gates: [gate])
                let (open, closed) = (pods[0], pods[1])
                for (pod, status) in [(open, "True"), (closed, "False")] {
                    let patch = #"{"status":{"conditions":[{"type":"\#(gate)","status":"\#(status)","reason":"Test"}]}}"#
                    _ = try await client.patch(Pod.self, name: pod.metadata.name!, namespace: ns, .strategicMerge(Array(patch.utf8)), subresource: "status")
                }
                let endpoints = try await eventually("only the pod whose gate is open to be ready in the endpoints") { () -> [String: Bool]? in
                    let endpoints = try await TestSimulation.endpoints("web", namespace: ns, client: client)
                    return endpoints[open.status!.podIP!] == true && endpoints[closed.status!.podIP!] != true ? endpoints : nil
                }
                #expect(endpoints[closed.status!.podIP!] != true)
                let gated = try await client.get(Pod.self, name: closed.metadata.name!, namespace: ns)
                #expect(!gated.isReady)
                #expect(gated.condition("Ready")?.reason == "ReadinessGatesNotReady")
            }
        }
    }

    @Test func theHealthEndpointAnswersOnThePodsAddressAndFailsOnAFault() async throws {
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sim-http", client: client) { ns in
                let pod = try #require(try await running("web", replicas: 1, in: ns, client: client).first)
                let url = "http://\(pod.status!.podIP!):8080/ready"
                #expect(await TestSimulation.get(url) == 200)
                let patch = #"{"metadata":{"annotations":{"\#(Faults.annotation)":"healthFail"}}}"#
                _ = try await client.patch(Pod.self, name: pod.metadata.name!, namespace: ns, .merge(Array(patch.utf8)))
                try await eventually("500 from \(url)") { await TestSimulation.get(url) == 500 ? true : nil }
                #expect(await TestSimulation.get("http://\(pod.status!.podIP!):8080/nothing") == 404)
                let cleared = try await ProcessRunner.run(
                    try LocalControlPlane.simulatorExecutable(),
                    ["fault", "--kubeconfig", plane.kubeconfigPath, "-n", ns, "--pod", pod.metadata.name!, "--clear"])
                #expect(cleared.exitCode == 0, "\(cleared.output)")
                try await eventually("200 again from \(url)") { await TestSimulation.get(url) == 200 ? true : nil }
            }
        }
    }

    @Test func aPodSkipsAnAddressWhosePortAnotherProcessHolds() async throws {
        let (plane, _) = try await TestSimulation.shared()
        // The address the pool hands out next (a released address is the first taken again), held by a
        // server that is not the simulator's, as another simulator process on the machine would hold it.
        let held = try #require(AddressPool.shared.take())
        AddressPool.shared.release(held)
        let foreign = try await HTTPServer.start(host: held, port: 8080, group: MultiThreadedEventLoopGroup.singleton) { _ in
            .respond(status: .imATeapot, contentType: "text/plain", body: "not a pod")
        }
        do {
            try await expectANewPodAvoids(held, plane: plane)
        } catch {
            await foreign.close()
            throw error
        }
        await foreign.close()
    }

    private func expectANewPodAvoids(_ held: String, plane: LocalControlPlane) async throws {
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sim-taken", client: client) { ns in
                let pod = try #require(try await running("web", replicas: 1, in: ns, client: client).first)
                let ip = try #require(pod.status?.podIP)
                #expect(ip != held, "the pod advertises an address whose port another process serves")
                #expect(await TestSimulation.get("http://\(ip):8080/ready") == 200)
                #expect(await TestSimulation.get("http://\(held):8080/ready") == 418)
            }
        }
    }
}

/// A real Prometheus finds the simulated pods and scrapes them at their own addresses.
@Suite struct SimulatorPrometheusTests {
    @Test func prometheusScrapesEachPodAtItsAddressAndSeesTheInjectedErrorRatio() async throws {
        let (plane, simulator) = try await TestSimulation.shared()
        let prometheus = try PrometheusProcess(discovery: "http://127.0.0.1:\(simulator.discoveryPort)/sd")
        defer { prometheus.stop() }
        try await prometheus.ready()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("sim-prom", client: client) { ns in
                let objects = TestSimulation.deployment("web", replicas: 3)
                try await client.send(.POST, "/apis/apps/v1/namespaces/\(ns)/deployments", body: objects.deployment)
                let pods = try await eventually("three pods with addresses") { () -> [Pod]? in
                    let pods = try await client.list(Pod.self, namespace: ns).items
                    return pods.count == 3 && pods.allSatisfy({ $0.status?.podIP != nil }) ? pods : nil
                }
                let faulty = try #require(pods.first)
                let patch = #"{"metadata":{"annotations":{"\#(Faults.annotation)":"errorRatio=0.3"}}}"#
                _ = try await client.patch(Pod.self, name: faulty.metadata.name!, namespace: ns, .merge(Array(patch.utf8)))
                // Every pod is scraped at its own address.
                let up = try await eventually("Prometheus to scrape the three pods", timeout: .seconds(30)) { () -> [String: String]? in
                    let series = try await prometheus.query(#"up{namespace="\#(ns)"} == 1"#)
                    return series.count == 3 ? Dictionary(uniqueKeysWithValues: series.map { ($0.labels["pod"] ?? "", $0.labels["instance"] ?? "") }) : nil
                }
                for pod in pods {
                    #expect(up[pod.metadata.name!] == "\(pod.status!.podIP!):8080")
                }
                let ratio = #"sum by (pod) (rate(http_requests_total{namespace="\#(ns)",code="500"}[4s])) / sum by (pod) (rate(http_requests_total{namespace="\#(ns)"}[4s]))"#
                let ratios = try await eventually("the error ratio by pod", timeout: .seconds(30)) { () -> [String: Double]? in
                    let series = try await prometheus.query(ratio)
                    let byPod = Dictionary(uniqueKeysWithValues: series.map { ($0.labels["pod"] ?? "", $0.value) })
                    return byPod.count == 3 && abs((byPod[faulty.metadata.name!] ?? 0) - 0.3) < 0.01 ? byPod : nil
                }
                for (pod, value) in ratios where pod != faulty.metadata.name {
                    #expect(abs(value - PodBehaviour.baseErrorRatio) < 0.001, "\(pod) fails only at the healthy rate")
                }
            }
        }
    }
}

/// The simulated nodes as the control plane sees them.
@Suite struct SimulatedNodeTests {
    @Test func theNodeIsReadyCarriesItsTaintAndHeartbeatsThroughItsLease() async throws {
        let (plane, _) = try await TestSimulation.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            let node = try await client.get(Node.self, name: TestSimulation.node)
            #expect(node.isReady)
            #expect(node.spec?.taints == [TestSimulation.taint], "the configured taint, and not the not-ready one")
            #expect(node.status?.allocatable?["pods"] == "20k", "the server writes the quantity 20000 in its canonical form")
            #expect(node.metadata.labels?["sim.resilience.dev/simulated"] == "true")
            let lease = try await client.get(Lease.self, name: TestSimulation.node, namespace: "kube-node-lease")
            #expect(lease.spec.holderIdentity == TestSimulation.node)
            let renewed = try #require(lease.spec.renewTime?.date)
            #expect(Date().timeIntervalSince(renewed) < 60)
        }
    }
}
