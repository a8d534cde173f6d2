import Foundation
import KubernetesAPI
import KubernetesClient
import TestSupport
import Testing

/// What hack/control-plane.sh promises: a simulated Ready node, working controllers and scheduler,
/// custom resources that do not crash the API server, reuse, and planes side by side.
@Suite struct ControlPlaneIntegrationTests {
    @Test func simulatedNodeIsReadyAndUntainted() async throws {
        let plane = try await LocalControlPlane.shared()
        let node = try await withClient(KubernetesClient(configuration: plane.configuration())) {
            try await $0.get(Node.self, name: "sim-node-1")
        }
        #expect(node.isReady)
        #expect(node.spec?.taints ?? [] == [])
        #expect(node.spec?.unschedulable != true)
    }

    @Test func deploymentCreatedWithKubectlGetsPodsBoundToTheSimulatedNode() async throws {
        let plane = try await LocalControlPlane.shared()
        let namespace = "deploy-\(UInt32.random(in: 0...UInt32.max))"
        try await plane.kubectl(["create", "namespace", namespace])
        try await plane.kubectl(["-n", namespace, "create", "deployment", "web", "--image=registry.example/web:1", "--replicas=3"])
        let client = try KubernetesClient(configuration: plane.configuration())
        let (replicaSet, pods) = try await withClient(client) { client in
            let replicaSet = try await eventually("a ReplicaSet for deployment web") {
                try await client.list(ReplicaSet.self, namespace: namespace).items.first {
                    $0.metadata.controllerReference?.kind == "Deployment" && $0.metadata.controllerReference?.name == "web"
                }
            }
            let pods = try await eventually("three pods bound to sim-node-1") { () -> [Pod]? in
                let pods = try await client.list(Pod.self, namespace: namespace).items
                return pods.count == 3 && pods.allSatisfy({ $0.spec?.nodeName == "sim-node-1" }) ? pods : nil
            }
            return (replicaSet, pods)
        }
        for pod in pods {
            #expect(pod.metadata.controllerReference?.uid == replicaSet.metadata.uid)
        }
        try await withClient(KubernetesClient(configuration: plane.configuration())) { try await removeNamespace(namespace, client: $0) }
    }

    @Test func customResourcesDoNotCrashTheAPIServer() async throws {
        // Kubernetes 1.20 vendors reflect2 1.0.1, which kills kube-apiserver built with Go >= 1.18 on the
        // first custom resource; the build swaps in Debian's 1.0.2.
        let plane = try await LocalControlPlane.shared()
        let group = "g\(UInt32.random(in: 0...UInt32.max)).resilience.test"
        try await plane.kubectl(["apply", "-f", "-"], stdin: """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.\(group)}
            spec:
              group: \(group)
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec: {type: object, properties: {size: {type: integer}, labels: {type: object, additionalProperties: {type: string}}}}
            """)
        try await plane.waitUntilEstablished(crd: "widgets.\(group)")
        let client = try KubernetesClient(configuration: plane.configuration())
        let (listed, ready) = try await withClient(client) { client in
            let path = "/apis/\(group)/v1/namespaces/default/widgets"
            for index in 0..<20 {
                let body = #"{"apiVersion":"\#(group)/v1","kind":"Widget","metadata":{"name":"w\#(index)"},"spec":{"size":\#(index),"labels":{"a":"b","c":"d"}}}"#
                try await eventually("widget w\(index) to be created", timeout: .seconds(20)) {
                    try await client.send(.POST, path, body: Array(body.utf8))
                }
            }
            let list = try JSONSerialization.jsonObject(with: Data(try await client.send(.GET, path))) as? [String: Any]
            return ((list?["items"] as? [Any])?.count, try await client.send(.GET, "/readyz"))
        }
        #expect(listed == 20)
        #expect(String(decoding: ready, as: UTF8.self) == "ok")
        let status = try await plane.script(["status"])
        #expect(status.contains("kube-apiserver: ready"))
        try await plane.kubectl(["delete", "crd", "widgets.\(group)", "--wait=false"])
    }

    @Test func upReusesTheRunningPlane() async throws {
        let plane = try await LocalControlPlane.shared()
        let before = try String(contentsOfFile: plane.stateDirectory + "/pids/kube-apiserver", encoding: .utf8)
        let output = try await plane.script(["up"])
        #expect(output.contains("reusing the plane running in \(plane.stateDirectory)"))
        let after = try String(contentsOfFile: plane.stateDirectory + "/pids/kube-apiserver", encoding: .utf8)
        #expect(before == after)
    }

    @Test func planesRunSideBySideAndDownStopsOnlyItsOwn() async throws {
        let shared = try await LocalControlPlane.shared()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("plane-\(UUID().uuidString)").path
        let script = RepositoryPaths.root + "/hack/control-plane.sh"
        let up = try await ProcessRunner.run("/bin/bash", [script, "--state-dir", state, "up"])
        #expect(up.exitCode == 0, "\(up.output)")
        let second = try KubeConfig.load(path: state + "/admin.kubeconfig").configuration()
        #expect(try second.server != shared.configuration().server)
        let pids = try ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"].map {
            try #require(Int32(String(contentsOfFile: "\(state)/pids/\($0)", encoding: .utf8).filter(\.isNumber)))
        }
        let namespaces = try await withClient(KubernetesClient(configuration: second)) { try await $0.list(Namespace.self) }
        #expect(namespaces.items.contains { $0.metadata.name == "default" })

        let down = try await ProcessRunner.run("/bin/bash", [script, "--state-dir", state, "down"])
        #expect(down.exitCode == 0, "\(down.output)")
        for pid in pids {
            #expect(!isRunning(pid), "process \(pid) of the second plane still runs")
        }
        let status = try await ProcessRunner.run("/bin/bash", [script, "--state-dir", state, "status"])
        #expect(status.exitCode == 1)
        #expect(try await shared.script(["status"]).contains("kube-apiserver: ready"))
        try? FileManager.default.removeItem(atPath: state)
    }

    /// Whether a process exists and has not exited (an exited one may linger as a zombie until reaped).
    private func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(end, offsetBy: 2)] != "Z"
    }
}
