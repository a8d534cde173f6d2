import KubernetesAPI
import OperatorRuntime
import TestSupport
import Testing

/// The owner chain on pods and ReplicaSets as the real API server returned them.
@Suite struct OwnerChainTests {
    private func replicaSets() throws -> [ReplicaSet] {
        try KubernetesJSON.decoder().decode(ResourceList<ReplicaSet>.self, from: Fixture.data("replicaset-list.json")).items
    }

    @Test func podMapsThroughItsReplicaSetToItsDeployment() throws {
        let store = Store<ReplicaSet>()
        store.apply(.initStart)
        store.apply(.initPage(try replicaSets()))
        store.apply(.initDone)
        let pod = try #require(Pods.captured().first)
        let deployment = try #require(try replicaSets().first?.metadata.controllerReference)
        #expect(OwnerChain.deployment(of: pod, replicaSets: store) == ObjectKey(namespace: pod.metadata.namespace, name: deployment.name))
    }

    @Test func noDeploymentWithoutTheCachedReplicaSetOrWithAnotherUID() throws {
        let pod = try #require(Pods.captured().first)
        let empty = Store<ReplicaSet>()
        #expect(OwnerChain.deployment(of: pod, replicaSets: empty) == nil)

        var recreated = try #require(try replicaSets().first)
        recreated.metadata.uid = "a-different-uid"
        let store = Store<ReplicaSet>()
        store.apply(.initStart)
        store.apply(.initPage([recreated]))
        store.apply(.initDone)
        #expect(OwnerChain.deployment(of: pod, replicaSets: store) == nil)

        var bare = pod
        bare.metadata.ownerReferences = nil
        #expect(OwnerChain.deployment(of: bare, replicaSets: store) == nil)
    }
}
