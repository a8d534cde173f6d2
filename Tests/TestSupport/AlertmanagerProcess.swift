import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on loopback, routing every alert nowhere:
/// tests read what it received through its API.
public final class AlertmanagerProcess: Sendable {
    private let daemon: LoopbackDaemon

    public init() throws {
        daemon = try LoopbackDaemon(
            "alertmanager", executable: "/usr/bin/prometheus-alertmanager", readyPath: "/-/ready",
            files: { _, _ in ["alertmanager.yml": "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n"] },
            arguments: { folder, port in
                ["--config.file=\(folder)/alertmanager.yml", "--storage.path=\(folder)/data",
                 "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn"]
            })
    }

    public var url: String { daemon.url }

    public func ready() async throws { try await daemon.ready() }

    /// The alerts it holds: each one's labels and annotations.
    public func alerts() async throws -> [(labels: [String: String], annotations: [String: String])] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(url)/api/v2/alerts")!)
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return list.map { ($0["labels"] as? [String: String] ?? [:], $0["annotations"] as? [String: String] ?? [:]) }
    }

    /// Posts an alert with `labels` as another Prometheus would: firing, or resolved when `resolved`.
    public func post(_ labels: [String: String], resolved: Bool = false) async throws {
        let now = Date()
        let formatter = ISO8601DateFormatter()
        var alert: [String: Any] = ["labels": labels, "startsAt": formatter.string(from: now.addingTimeInterval(-60))]
        alert["endsAt"] = formatter.string(from: resolved ? now.addingTimeInterval(-1) : now.addingTimeInterval(3600))
        var request = URLRequest(url: URL(string: "\(url)/api/v2/alerts")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: [alert])
        let (_, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw TestSupportError("Alertmanager refused the alert: \(response)") }
    }

    public func stop() { daemon.stop() }
}
