#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import KubernetesAPI
import NIOCore

/// Sends the plan's alerts to a policy's Alertmanager (`POST /api/v2/alerts`). Alertmanager groups and
/// deduplicates them by their labels, so resending an alert on every reconcile keeps it firing, and
/// leaving off lets it resolve after its `endsAt`.
public struct AlertSender: Sendable {
    private let http: HTTPClient

    public init(http: HTTPClient = OutboundHTTP.client) {
        self.http = http
    }

    /// One alert: who it is about and what happened.
    public struct Alert: Encodable, Sendable {
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: String
        public var endsAt: String
    }

    /// Sends `summary` about the Deployment `target` (`namespace/name`) of `policy`; it stays firing for 5
    /// minutes unless sent again.
    public func send(summary: String, policy: ObjectKey, target: String, to alertmanager: String, now: Date = Date()) async throws {
        let alert = Alert(
            labels: [
                "alertname": "ResilienceOperatorNeedsAHuman", "severity": "critical",
                "namespace": policy.namespace, "policy": policy.name, "deployment": String(target.split(separator: "/").last ?? ""),
            ],
            annotations: ["summary": summary],
            startsAt: KubernetesJSON.formatTimestamp(now), endsAt: KubernetesJSON.formatTimestamp(now.addingTimeInterval(300)))
        var request = HTTPClientRequest(url: (alertmanager.hasSuffix("/") ? String(alertmanager.dropLast()) : alertmanager) + "/api/v2/alerts")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try KubernetesJSON.encoder().encode([alert])))
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw AlertError(message: "Alertmanager \(alertmanager) answered \(response.status.code): \(String(buffer: body).prefix(300))")
        }
    }

    struct AlertError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
