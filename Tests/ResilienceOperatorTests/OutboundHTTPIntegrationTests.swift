import Foundation
import KubernetesAPI
import KubernetesClient
import ResilienceCore
@testable import ResilienceOperator
import TestSupport
import Testing

/// The URLs that policies and their Secrets name reach the host they name and no other.
@Suite struct OutboundHTTPIntegrationTests {
    @Test func aWebhookThatRedirectsIsNotFollowedAndCountsAsAFailure() async throws {
        let receiver = WebhookReceiver()
        let port = try await receiver.start()
        defer { receiver.stop() }
        let plane = try await LocalControlPlane.shared()
        try await withClient(KubernetesClient(configuration: plane.configuration())) { client in
            try await withNamespace("outbound", client: client) { ns in
                let url = Data("http://127.0.0.1:\(port)/redirect/generic".utf8).base64EncodedString()
                try await client.send(.POST, "/api/v1/namespaces/\(ns)/secrets", body: Array(#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"hooks"},"data":{"url":"\#(url)"}}"#.utf8))
                let hook = try KubernetesJSON.decoder().decode(AlertingConfig.Webhook.self, from: Data(#"{"urlFrom":{"secretKeyRef":{"name":"hooks","key":"url"}}}"#.utf8))
                let failures = await WebhookSender(client: client).send(.ladderExhausted, summary: "test", policy: ObjectKey(namespace: ns, name: "web"), target: "\(ns)/web", webhooks: [hook])
                #expect(failures.map(\.description) == ["webhook from Secret \(ns)/hooks key url: answered HTTP 302"])
                #expect(receiver.bodies("generic").isEmpty, "the redirect was not followed")
            }
        }
    }
}
