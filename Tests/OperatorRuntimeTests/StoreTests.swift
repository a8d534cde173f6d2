import KubernetesAPI
import OperatorRuntime
import Testing

@Suite struct StoreTests {
    @Test func relistIsSwappedInWholeAtInitDone() throws {
        let store = Store<Pod>()
        store.apply(.initStart)
        store.apply(.initPage([try Pods.pod("a", resourceVersion: "1")]))
        store.apply(.initDone)
        #expect(store.isSynced)
        store.apply(.initStart)
        store.apply(.initPage([try Pods.pod("b", resourceVersion: "2")]))
        #expect(store.list().compactMap(\.metadata.name) == ["a"], "readers see the old contents until initDone")
        store.apply(.initPage([try Pods.pod("c", resourceVersion: "3")]))
        store.apply(.initDone)
        #expect(store.list().compactMap(\.metadata.name).sorted() == ["b", "c"], "a vanished during the relist")
    }

    @Test func queriesByKeyNamespaceSelectorAndOwner() throws {
        let store = Store<Pod>()
        let captured = try Pods.captured()
        let ownerUID = try #require(captured[0].metadata.controllerReference?.uid)
        store.apply(.initStart)
        store.apply(.initPage([
            try Pods.pod("web-1", resourceVersion: "1", labels: ["app": "web", "tier": "front"]),
            try Pods.pod("web-2", resourceVersion: "1", labels: ["app": "web", "tier": "back"]),
            try Pods.pod("db-1", resourceVersion: "1", labels: ["app": "db"], namespace: "data"),
        ]))
        store.apply(.initDone)
        #expect(store.get(ObjectKey(namespace: "shop", name: "web-1"))?.metadata.labels?["tier"] == "front")
        #expect(store.get(ObjectKey(namespace: "data", name: "web-1")) == nil)
        #expect(store.list(namespace: "shop").count == 2)
        #expect(store.list(namespace: "data").compactMap(\.metadata.name) == ["db-1"])
        let front = LabelSelector(matchLabels: ["app": "web"], matchExpressions: [.init(key: "tier", operator: "In", values: ["front"])])
        #expect(store.list(selector: front).compactMap(\.metadata.name) == ["web-1"])
        #expect(store.owned(by: ownerUID).count == 3, "the captured pods' ReplicaSet owns all three copies")
        #expect(store.owned(by: "someone-else").isEmpty)
    }

    @Test func applyAndDeleteKeepTheIndexesRight() throws {
        let store = Store<Pod>()
        store.apply(.initStart)
        store.apply(.initDone)
        var pod = try Pods.pod("web-1", resourceVersion: "1")
        store.apply(.apply(pod))
        let oldOwner = try #require(pod.metadata.controllerReference?.uid)
        pod.metadata.ownerReferences = nil
        pod.metadata.resourceVersion = "2"
        store.apply(.apply(pod))
        #expect(store.owned(by: oldOwner).isEmpty, "the old owner index entry went with the update")
        #expect(store.get(ObjectKey(namespace: "shop", name: "web-1"))?.metadata.resourceVersion == "2")
        store.apply(.delete(pod))
        #expect(store.count == 0)
        #expect(store.list(namespace: "shop").isEmpty)
    }

    @Test func theStoresOwnIndexFollowsUpdatesDeletesAndRelists() throws {
        let store = Store<Pod>(index: { pod in pod.metadata.labels?["app"].map { ["app=\($0)"] } ?? [] })
        store.apply(.initStart)
        store.apply(.initPage([try Pods.pod("web-1", resourceVersion: "1", labels: ["app": "web"]), try Pods.pod("db-1", resourceVersion: "1", labels: ["app": "db"])]))
        store.apply(.initDone)
        #expect(store.indexed("app=web").compactMap(\.metadata.name) == ["web-1"])
        store.apply(.apply(try Pods.pod("web-1", resourceVersion: "2", labels: ["app": "db"])))
        #expect(store.indexed("app=web").isEmpty, "the old value went with the update")
        #expect(store.indexed("app=db").compactMap(\.metadata.name).sorted() == ["db-1", "web-1"])
        store.apply(.delete(try Pods.pod("db-1", resourceVersion: "3", labels: ["app": "db"])))
        #expect(store.indexed("app=db").compactMap(\.metadata.name) == ["web-1"])
        store.apply(.initStart)
        store.apply(.initPage([try Pods.pod("api-1", resourceVersion: "4", labels: ["app": "api"])]))
        store.apply(.initDone)
        #expect(store.indexed("app=api").compactMap(\.metadata.name) == ["api-1"], "a relist builds the index anew")
        #expect(store.indexed("app=db").isEmpty)
    }

    @Test func waitUntilSyncedReturnsOnTheFirstList() async throws {
        let store = Store<Pod>()
        let waiter = Task { await store.waitUntilSynced() }
        try await Task.sleep(for: .milliseconds(20))
        #expect(!store.isSynced)
        store.apply(.initStart)
        store.apply(.initDone)
        await waiter.value
        #expect(store.isSynced)
    }

    @Test func labelSelectorSemantics() {
        let labels = ["app": "web", "tier": "front"]
        #expect(LabelSelector().matches(labels))
        #expect(LabelSelector(matchExpressions: [.init(key: "tier", operator: "NotIn", values: ["back"])]).matches(labels))
        #expect(!LabelSelector(matchExpressions: [.init(key: "tier", operator: "NotIn", values: ["front"])]).matches(labels))
        #expect(LabelSelector(matchExpressions: [.init(key: "app", operator: "Exists")]).matches(labels))
        #expect(!LabelSelector(matchExpressions: [.init(key: "app", operator: "DoesNotExist")]).matches(labels))
        #expect(!LabelSelector(matchExpressions: [.init(key: "app", operator: "Bogus")]).matches(labels))
        #expect(!LabelSelector(matchExpressions: [.init(key: "zone", operator: "In", values: ["a"])]).matches(labels))
        let selector = LabelSelector(matchLabels: ["app": "web"], matchExpressions: [.init(key: "tier", operator: "In", values: ["a", "b"]), .init(key: "canary", operator: "DoesNotExist")])
        #expect(selector.queryString == "app=web,tier in (a,b),!canary")
    }
}
