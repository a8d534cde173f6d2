#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import Logging

/// Registers the simulated nodes (Ready, untainted unless asked, room for thousands of pods) and keeps
/// their heartbeats fresh as a kubelet does: the node's Lease every 10 s, its Ready condition every 40 s.
public struct NodeAgent: Sendable {
    private let client: KubernetesClient
    private let nodes: [String]
    private let taints: [Node.Taint]
    private let logger: Logger

    public init(client: KubernetesClient, nodes: [String], taints: [Node.Taint] = [], logger: Logger) {
        self.client = client
        self.nodes = nodes
        self.taints = taints
        self.logger = logger
    }

    /// Creates or updates every node and its Lease, once.
    public func register() async throws {
        for node in nodes {
            let labels = #"{"kubernetes.io/hostname":"\#(node)","sim.resilience.dev/simulated":"true"}"#
            let body = #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"\#(node)","labels":\#(labels)}}"#
            do {
                try await client.send(.POST, Node.path(), body: Array(body.utf8))
            } catch let error as KubernetesError where error.reason == .alreadyExists {}
            // Admission adds the not-ready taint on create; a kubelet's node lifecycle would lift it.
            let spec = try String(decoding: KubernetesJSON.encoder().encode(TaintsPatch(spec: .init(taints: taints))), as: UTF8.self)
            _ = try await client.patch(Node.self, name: node, .merge(Array(spec.utf8)))
            try await heartbeat(node)
        }
    }

    /// Renews the leases every 10 s and the Ready condition every 40 s, until cancelled.
    public func run() async {
        var beats = 0
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(10))
            } catch {
                return
            }
            beats += 1
            for node in nodes {
                do {
                    try await renewLease(node)
                    if beats % 4 == 0 { try await heartbeat(node) }
                } catch {
                    logger.warning("node heartbeat failed", metadata: ["node": "\(node)", "error": "\(error)"])
                }
            }
        }
    }

    private func heartbeat(_ node: String) async throws {
        let now = KubernetesJSON.formatTimestamp(Date())
        let status = #"""
            {"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"simulated kubelet is posting ready status","lastHeartbeatTime":"\#(now)"}],
             "capacity":{"cpu":"1000","memory":"4Ti","pods":"20000"},"allocatable":{"cpu":"1000","memory":"4Ti","pods":"20000"}}}
            """#
        _ = try await client.patch(Node.self, name: node, .strategicMerge(Array(status.utf8)), subresource: "status")
        try await renewLease(node)
    }

    private func renewLease(_ node: String) async throws {
        let now = MicroTime(Date())
        do {
            var lease = try await client.get(Lease.self, name: node, namespace: "kube-node-lease")
            lease.spec.renewTime = now
            lease.spec.holderIdentity = node
            _ = try await client.update(lease)
        } catch let error as KubernetesError where error.reason == .notFound {
            _ = try await client.create(Lease(
                metadata: ObjectMeta(name: node, namespace: "kube-node-lease"),
                spec: .init(holderIdentity: node, leaseDurationSeconds: 40, renewTime: now)))
        }
    }

    private struct TaintsPatch: Encodable {
        let spec: Spec
        struct Spec: Encodable { let taints: [Node.Taint] }
    }
}
