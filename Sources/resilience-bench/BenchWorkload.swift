import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import PodSimulator
import ResilienceCore

/// What the benchmarks that run an operator share: a run's namespaces, its Deployments (pods bound to
/// the bench's node, which ``KubeletStandIn`` plays), one policy per Deployment (restart a pod that
/// crash-loops), and the clean-up at the end.
struct BenchWorkload: Sendable {
    let client: KubernetesClient
    let run: UInt32
    let node: String
    let spaces: [String]
    let kubelet: KubeletStandIn
    /// Each Deployment: its namespace and name.
    let targets: [(namespace: String, name: String)]

    /// Registers the node and creates the namespaces; the kubelet stand-in is made, not yet running.
    static func prepare(client: KubernetesClient, namespaces: Int, deployments: Int, prefix: String, logger: Logger) async throws -> BenchWorkload {
        let node = "operator-bench-node"
        try await NodeAgent(client: client, nodes: [node], logger: logger).register()
        let run = UInt32.random(in: 0...UInt32.max)
        let spaces = (0..<namespaces).map { "\(prefix)-\(run)-\($0)" }
        for space in spaces { _ = try await client.create(Namespace(metadata: ObjectMeta(name: space))) }
        let kubelet = KubeletStandIn(client: client, node: node, labelSelector: "resilience-bench=\(run)", logger: logger)
        let targets = (0..<deployments).map { (namespace: spaces[$0 % spaces.count], name: "app-\($0)") }
        return BenchWorkload(client: client, run: run, node: node, spaces: spaces, kubelet: kubelet, targets: targets)
    }

    /// Creates the Deployments, `replicas` pods each, and waits until every pod is Ready.
    func populate(replicas: Int) async throws {
        let (client, run, node) = (client, run, node)
        try await forEach(targets, concurrency: 16) { target in
            let body = #"""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\#(target.name)"},
                 "spec":{"replicas":\#(replicas),"selector":{"matchLabels":{"app":"\#(target.name)"}},
                  "template":{"metadata":{"labels":{"app":"\#(target.name)","resilience-bench":"\#(run)"}},
                   "spec":{"nodeName":"\#(node)","tolerations":[{"operator":"Exists"}],
                           "containers":[{"name":"app","image":"registry.example/app:1"}]}}}}
                """#
            _ = try await client.send(.POST, "/apis/apps/v1/namespaces/\(target.namespace)/deployments", body: Array(body.utf8))
        }
        let kubelet = kubelet
        let pods = targets.count * replicas
        try await waitUntil("every pod Ready", timeout: .seconds(Int64(120 + pods / 50))) {
            kubelet.pods.store.list().filter { $0.isReady && $0.metadata.deletionTimestamp == nil }.count >= pods
        }
    }

    /// Deletes the run's policies, then creates one per Deployment: restart (`podRestart`: evict or
    /// delete) a pod that crash-loops, a 1 s cooldown, and a budget no run reaches.
    func recreatePolicies(podRestart: String) async throws {
        let client = client
        for namespace in spaces {
            _ = try await client.send(.DELETE, ResiliencePolicy.path(namespace: namespace))
        }
        let spaces = spaces
        try await waitUntil("the old policies gone", timeout: .seconds(60)) {
            var left = 0
            for namespace in spaces { left += (try? await client.list(ResiliencePolicy.self, namespace: namespace).items.count) ?? 1 }
            return left == 0
        }
        try await forEach(targets, concurrency: 16) { target in
            let policy = #"""
                {"apiVersion":"resilience.dev/v1alpha1","kind":"ResiliencePolicy","metadata":{"name":"\#(target.name)"},
                 "spec":{"targetRef":{"kind":"Deployment","name":"\#(target.name)"},"health":{"waitingReasons":["CrashLoopBackOff"]},
                         "recovery":{"podRestart":"\#(podRestart)"},
                         "safety":{"cooldown":"1s","maxActions":{"count":1000,"window":"1h"}}}}
                """#
            _ = try await client.send(.POST, ResiliencePolicy.path(namespace: target.namespace), body: Array(policy.utf8))
        }
    }

    /// Waits until the operator has taken up every policy: its status written for the policy's
    /// generation (after the finalizer, which comes first).
    func waitUntilPoliciesTakenUp() async throws {
        let client = client, spaces = spaces, count = targets.count
        try await waitUntil("the operator to take up the new policies", timeout: .seconds(120)) {
            var taken = 0
            for namespace in spaces {
                let policies = (try? await client.list(ResiliencePolicy.self, namespace: namespace).items) ?? []
                taken += policies.filter { $0.status?.observedGeneration != nil && $0.status?.observedGeneration == $0.metadata.generation }.count
            }
            return taken == count
        }
    }

    /// Deletes the run's namespaces, and plays the kubelet until their pods are gone: without one, a pod
    /// bound to a node stays Terminating, and the next run's cluster-wide watch would list it.
    func cleanUp(timeout: Duration) async throws {
        for space in spaces {
            // The operator has stopped: nothing else would lift its finalizer from the run's policies.
            for policy in (try? await client.list(ResiliencePolicy.self, namespace: space).items) ?? [] {
                _ = try? await client.patch(ResiliencePolicy.self, name: policy.metadata.name ?? "", namespace: space, .merge(Array(#"{"metadata":{"finalizers":null}}"#.utf8)))
            }
            try? await client.delete(Namespace.self, name: space)
        }
        let kubelet = kubelet
        try await waitUntil("the run's pods gone", timeout: timeout) { kubelet.pods.store.count == 0 }
    }
}
