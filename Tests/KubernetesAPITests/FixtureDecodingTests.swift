import Foundation
import KubernetesAPI
import TestSupport
import Testing

/// Decodes responses captured from the real API server (hack/capture-fixtures.sh).
///
/// Expected values are read from the same fixture as untyped JSON, so a new capture keeps the tests valid.
@Suite struct FixtureDecodingTests {
    private func raw(_ name: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Fixture.data(name)) as? [String: Any])
    }

    private func items(_ name: String) throws -> [[String: Any]] {
        try #require(raw(name)["items"] as? [[String: Any]])
    }

    @Test func namespaceList() throws {
        let list = try KubernetesJSON.decoder().decode(ResourceList<Namespace>.self, from: Fixture.data("namespace-list.json"))
        let rawItems = try items("namespace-list.json")
        #expect(list.items.count == rawItems.count)
        #expect(list.items.map(\.metadata.name) == rawItems.map { ($0["metadata"] as? [String: Any])?["name"] as? String })
        #expect(Set(list.items.compactMap(\.metadata.name)).isSuperset(of: ["default", "kube-system", "kube-public", "kube-node-lease"]))
        #expect(list.items.map(\.status?.phase) == rawItems.map { ($0["status"] as? [String: Any])?["phase"] as? String })
        #expect(list.items.first { $0.metadata.name == "kube-system" }?.status?.phase == "Active")
        #expect(list.metadata.resourceVersion == (try raw("namespace-list.json")["metadata"] as? [String: Any])?["resourceVersion"] as? String)
        let created = try #require(list.items.first?.metadata.creationTimestamp)
        let rawCreated = try #require((rawItems.first?["metadata"] as? [String: Any])?["creationTimestamp"] as? String)
        #expect(KubernetesJSON.formatTimestamp(created) == rawCreated)
    }

    @Test func simulatedNodeIsReadyAndUntainted() throws {
        let node = try KubernetesJSON.decoder().decode(Node.self, from: Fixture.data("node.json"))
        #expect(node.metadata.name == "sim-node-1")
        #expect(node.isReady)
        #expect(node.spec?.taints ?? [] == [])
        let rawCapacity = try #require((raw("node.json")["status"] as? [String: Any])?["capacity"] as? [String: String])
        #expect(node.status?.capacity == rawCapacity)
        let ready = try #require(node.status?.conditions?.first { $0.type == "Ready" })
        #expect(ready.lastHeartbeatTime != nil)
    }

    @Test func pendingPodsAreBoundAndOwnedByTheirReplicaSet() throws {
        let pods = try KubernetesJSON.decoder().decode(ResourceList<Pod>.self, from: Fixture.data("pod-list-pending.json"))
        let replicaSets = try KubernetesJSON.decoder().decode(ResourceList<ReplicaSet>.self, from: Fixture.data("replicaset-list.json"))
        let replicaSet = try #require(replicaSets.items.first)
        #expect(!pods.items.isEmpty)
        for pod in pods.items {
            #expect(pod.spec?.nodeName == "sim-node-1")
            #expect(pod.status?.phase == "Pending")
            let owner = try #require(pod.metadata.controllerReference)
            #expect(owner.kind == "ReplicaSet")
            #expect(owner.name == replicaSet.metadata.name)
            #expect(owner.uid == replicaSet.metadata.uid)
            #expect(pod.metadata.labels?["pod-template-hash"] == replicaSet.templateHash)
        }
        let deployment = try #require(replicaSet.metadata.controllerReference)
        #expect(deployment.kind == "Deployment")
        #expect(replicaSet.revision == 1)
    }

    /// A pod keeps its fields behind one reference: it must still behave as a value, and encode as it
    /// decoded.
    @Test func aPodIsAValueWhoseCopiesChangeApart() throws {
        let pods = try KubernetesJSON.decoder().decode(ResourceList<Pod>.self, from: Fixture.data("pod-list-pending.json"))
        let pod = try #require(pods.items.first)
        var copy = pod
        #expect(copy == pod)
        copy.metadata.labels?["extra"] = "yes"
        copy.status?.phase = "Running"
        #expect(copy != pod)
        #expect(pod.metadata.labels?["extra"] == nil)
        #expect(pod.status?.phase == "Pending")
        #expect(copy.status?.phase == "Running")
        #expect(copy.metadata.name == pod.metadata.name)
        let again = try KubernetesJSON.decoder().decode(Pod.self, from: KubernetesJSON.encoder().encode(copy))
        #expect(again == copy)
        #expect(again.spec?.nodeName == "sim-node-1")
    }

    @Test func listPageCarriesContinueToken() throws {
        let page = try KubernetesJSON.decoder().decode(ResourceList<Pod>.self, from: Fixture.data("pod-list-page.json"))
        let rawMeta = try #require(raw("pod-list-page.json")["metadata"] as? [String: Any])
        #expect(page.items.count == 1)
        #expect(page.metadata.continue == rawMeta["continue"] as? String)
        #expect(page.metadata.continue?.isEmpty == false)
        #expect(page.metadata.remainingItemCount == (rawMeta["remainingItemCount"] as? NSNumber)?.int64Value)
    }

    @Test(arguments: [
        ("status-not-found.json", 404, "NotFound"),
        ("status-already-exists.json", 409, "AlreadyExists"),
        ("status-conflict.json", 409, "Conflict"),
        ("status-invalid.json", 422, "Invalid"),
        ("status-forbidden.json", 403, "Forbidden"),
        ("status-unauthorized.json", 401, "Unauthorized"),
    ])
    func statusBodies(file: String, code: Int, reason: String) throws {
        let status = try KubernetesJSON.decoder().decode(Status.self, from: Fixture.data(file))
        #expect(status.code == code)
        #expect(status.reason == reason)
        #expect(status.status == "Failure")
        #expect(status.message?.isEmpty == false)
    }

    @Test func invalidStatusNamesTheFields() throws {
        let status = try KubernetesJSON.decoder().decode(Status.self, from: Fixture.data("status-invalid.json"))
        let fields = status.details?.causes?.compactMap(\.field) ?? []
        #expect(fields.contains("metadata.name"))
        #expect(fields.count == 2)
    }

    @Test func emptyListWithNullItemsDecodesAsEmpty() throws {
        let json = #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":null}"#
        let list = try KubernetesJSON.decoder().decode(ResourceList<Pod>.self, from: Data(json.utf8))
        #expect(list.items.isEmpty)
        #expect(list.metadata.resourceVersion == "7")
    }
}
