#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import KubernetesAPI
import KubernetesClient
import NIOCore
import ResilienceCore

/// Posts alerts to the webhooks a policy names. Each URL is read from its Secret when the alert is sent
/// and never logged, written to status or put in an Event: errors name the Secret and key instead.
///
/// Formats: `generic` (a JSON object with `alertname`, `severity`, `namespace`, `policy`, `deployment` or
/// `statefulset` (the target's name), `summary`, `time`) and `slack` (an incoming-webhook `{"text": ...}`).
struct WebhookSender: Sendable {
    let client: KubernetesClient
    var http: HTTPClient = OutboundHTTP.client

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `summary` to every webhook of `policy`; the failures, one per webhook that failed.
    func send(_ condition: AlertCondition, summary: String, policy: ObjectKey, target: String, webhooks: [AlertingConfig.Webhook], now: Date = Date()) async -> [Failure] {
        var failures: [Failure] = []
        for hook in webhooks {
            let reference = hook.urlFrom.secretKeyRef
            let named = "webhook from Secret \(policy.namespace)/\(reference.name) key \(reference.key)"
            do {
                let secret = try await client.get(Secret.self, name: reference.name, namespace: policy.namespace)
                // One URL, with whatever white space surrounds it (a file written by echo ends in a newline).
                let words = secret.value(reference.key)?.split(whereSeparator: \.isWhitespace) ?? []
                guard words.count == 1, let url = words.first.map(String.init), url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    failures.append(Failure(description: "\(named): the key is missing or is not an http(s) URL"))
                    continue
                }
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try Self.payload(condition, format: hook.format ?? "generic", summary: summary, policy: policy, target: target, now: now)))
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 64 * 1024)
                if !(200..<300).contains(response.status.code) {
                    failures.append(Failure(description: "\(named): answered HTTP \(response.status.code)"))
                }
            } catch let error as KubernetesError {
                failures.append(Failure(description: "\(named): \(error.reason == .notFound ? "the Secret does not exist" : "cannot read the Secret: \(error.reason)")"))
            } catch {
                // Transport errors can carry the URL: say what kind of error it was, not its text.
                failures.append(Failure(description: "\(named): the request failed (\(type(of: error)))"))
            }
        }
        return failures
    }

    static func payload(_ condition: AlertCondition, format: String, summary: String, policy: ObjectKey, target: String, now: Date) throws -> [UInt8] {
        let workload = WorkloadKey(target) ?? WorkloadKey(kind: .deployment, namespace: policy.namespace, name: target)
        let encoder = KubernetesJSON.encoder()
        if format == "slack" {
            return Array(try encoder.encode(["text": ":rotating_light: resilience-operator needs a human: policy \(policy), \(workload.named): \(summary)"]))
        }
        return Array(try encoder.encode([
            "alertname": condition.alertname, "severity": "critical", "namespace": policy.namespace, "policy": policy.name,
            workload.kind.rawValue.lowercased(): workload.name, "summary": summary, "time": KubernetesJSON.formatTimestamp(now),
        ]))
    }
}
