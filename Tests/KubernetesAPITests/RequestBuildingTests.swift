import Foundation
import KubernetesAPI
import Testing

@Suite struct RequestBuildingTests {
    @Test func corePaths() {
        #expect(Namespace.path() == "/api/v1/namespaces")
        #expect(Namespace.path(name: "kube-system") == "/api/v1/namespaces/kube-system")
        #expect(Node.path(namespace: "ignored", name: "n1") == "/api/v1/nodes/n1")
        #expect(Pod.path() == "/api/v1/pods")
        #expect(Pod.path(namespace: "shop") == "/api/v1/namespaces/shop/pods")
        #expect(Pod.path(namespace: "shop", name: "web-1") == "/api/v1/namespaces/shop/pods/web-1")
    }

    @Test func groupPaths() {
        #expect(ReplicaSet.path(namespace: "shop") == "/apis/apps/v1/namespaces/shop/replicasets")
        #expect(ReplicaSet.path() == "/apis/apps/v1/replicasets")
    }

    @Test func queryEncodingKeepsUnreservedAndEncodesTheRest() {
        let options = ListOptions(labelSelector: "app in (web,api),tier!=db", limit: 500, continue: "eyJ2Ijo=")
        #expect(QueryString.encode(options.queryItems)
            == "?labelSelector=app%20in%20%28web%2Capi%29%2Ctier%21%3Ddb&limit=500&continue=eyJ2Ijo%3D")
        #expect(QueryString.encode(ListOptions().queryItems) == "")
        #expect(QueryString.percentEncode("a-b_c.d~é") == "a-b_c.d~%C3%A9")
    }
}
