#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import KubernetesAPI
import NIOCore
import ResilienceCore

/// Sends the plan's alerts to a policy's Alertmanager (`POST /api/v2/alerts`). Alertmanager groups and
/// deduplicates them by their labels: an alert sent again before its `endsAt` keeps firing, and one sent
/// with `endsAt` now is resolved.
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

    /// Sends the alert of `condition` about the target `target` (``WorkloadKey``) of `policy`: firing for 5
    /// minutes unless sent again, or, `resolved`, ended now. Its labels (the condition's alertname,
    /// namespace, policy, and `deployment` or `statefulset` with the target's name, as kube-state-metrics
    /// names them) are the alert's identity in Alertmanager.
    public func send(
        _ condition: AlertCondition, summary: String, policy: ObjectKey, target: String, to alertmanager: String, resolved: Bool = false,
        now: Date = Date()
    ) async throws {
        var labels = ["alertname": condition.alertname, "severity": "critical", "namespace": policy.namespace, "policy": policy.name]
        let workload = WorkloadKey(target)
        labels[workload?.kind.rawValue.lowercased() ?? "deployment"] = workload?.name ?? target
        let alert = Alert(
            labels: labels,
            annotations: ["summary": summary],
            startsAt: KubernetesJSON.formatTimestamp(now), endsAt: KubernetesJSON.formatTimestamp(resolved ? now : now.addingTimeInterval(300)))
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
