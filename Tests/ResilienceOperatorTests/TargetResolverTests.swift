import Foundation
import KubernetesAPI
import ResilienceCore
import ResilienceOperator
import TestSupport
import Testing

/// Which targets a policy resolves to, on objects the API server returned: a StatefulSet by kind and
/// name, and a selector that matches a Deployment and a StatefulSet alike.
@Suite struct TargetResolverTests {
    private let decoder = KubernetesJSON.decoder()

    /// The captured StatefulSet `cache` and Deployment `web`, moved into one namespace.
    private func objects() throws -> (NamespaceObjects, String) {
        let statefulSet = try decoder.decode(StatefulSet.self, from: Fixture.data("statefulset-stable.json"))
        let namespace = try #require(statefulSet.metadata.namespace)
        var deployment = try decoder.decode(Deployment.self, from: Fixture.data("stable-deployment.json"))
        deployment.metadata.namespace = namespace
        var replicaSets = try decoder.decode(ResourceList<ReplicaSet>.self, from: Fixture.data("stable-replicaset-list.json")).items
        var pods = try decoder.decode(ResourceList<Pod>.self, from: Fixture.data("stable-pod-list.json")).items
        for index in replicaSets.indices { replicaSets[index].metadata.namespace = namespace }
        for index in pods.indices { pods[index].metadata.namespace = namespace }
        pods += try decoder.decode(ResourceList<Pod>.self, from: Fixture.data("statefulset-stable-pods.json")).items
        let revisions = try decoder.decode(ResourceList<ControllerRevision>.self, from: Fixture.data("statefulset-stable-revisions.json")).items
        return (NamespaceObjects(
            deployments: [deployment], replicaSets: replicaSets, statefulSets: [statefulSet], controllerRevisions: revisions,
            pods: pods, disruptionBudgets: [], autoscalers: []), namespace)
    }

    private func policy(_ spec: String, namespace: String) throws -> ResiliencePolicy {
        let json = #"{"metadata":{"name":"p","namespace":"\#(namespace)","uid":"p-uid","creationTimestamp":"2026-11-30T00:00:00Z"},"spec":\#(spec)}"#
        return try decoder.decode(ResiliencePolicy.self, from: Data(json.utf8))
    }

    @Test func aStatefulSetIsFoundByKindAndNameWithItsOwnPodsAndRevisions() throws {
        let (objects, namespace) = try objects()
        let resolved = try TargetResolver.targets(of: policy(#"{"targetRef":{"kind":"StatefulSet","name":"cache"}}"#, namespace: namespace), in: objects).get()
        let target = try #require(resolved.targets.first)
        #expect(resolved.targets.count == 1)
        #expect(resolved.owned == ["\(namespace)/statefulset/cache"])
        #expect(target.pods.compactMap(\.metadata.name).sorted() == ["cache-0", "cache-1", "cache-2"])
        #expect(target.controllerRevisions.count == 1)
        #expect(target.replicaSets.isEmpty)
        // No Deployment of that name: the kind decides.
        guard case .failure(let missing) = TargetResolver.targets(of: try policy(#"{"targetRef":{"kind":"Deployment","name":"cache"}}"#, namespace: namespace), in: objects) else {
            Issue.record("a Deployment named cache resolved")
            return
        }
        #expect(missing.reason == "Deployment cache does not exist in \(namespace)")
    }

    @Test func aSelectorMatchesDeploymentsAndStatefulSetsAlike() throws {
        let (objects, namespace) = try objects()
        let spec = #"{"selector":{"matchExpressions":[{"key":"app","operator":"In","values":["cache","web"]}]}}"#
        let resolved = try TargetResolver.targets(of: policy(spec, namespace: namespace), in: objects).get()
        #expect(resolved.owned == ["\(namespace)/statefulset/cache", "\(namespace)/web"])
        #expect(Set(resolved.targets.map { $0.workload.kind }) == [.deployment, .statefulSet])
        let web = try #require(resolved.targets.first { $0.workload.kind == .deployment })
        #expect(web.pods.count == 3 && web.replicaSets.count == 1)
    }
}
