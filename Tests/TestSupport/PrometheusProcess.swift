import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Prometheus (Debian's `prometheus`) on loopback, scraping what an http_sd endpoint lists every
/// second. Debian's build has no Kubernetes service discovery, so the simulator's discovery serves it.
public final class PrometheusProcess: Sendable {
    private let daemon: LoopbackDaemon

    public init(discovery: String) throws {
        daemon = try LoopbackDaemon(
            "prometheus", executable: "/usr/bin/prometheus", readyPath: "/-/ready",
            files: { _, _ in
                ["prometheus.yml": """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: pods
                        http_sd_configs:
                          - url: \(discovery)
                            refresh_interval: 1s
                    """]
            },
            arguments: { folder, port in
                ["--config.file=\(folder)/prometheus.yml", "--storage.tsdb.path=\(folder)/data",
                 "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
            })
    }

    public var port: Int { daemon.port }

    /// Waits until Prometheus answers on its port.
    public func ready() async throws { try await daemon.ready() }

    /// The result of an instant query: each series' labels and value.
    public func query(_ promql: String) async throws -> [(labels: [String: String], value: Double)] {
        var components = URLComponents(string: "\(daemon.url)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        let (data, _) = try await URLSession.shared.data(from: components.url!)
        let body = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let result = (body?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        return result.map { series in
            let labels = series["metric"] as? [String: String] ?? [:]
            let value = ((series["value"] as? [Any])?.last as? String).flatMap(Double.init) ?? .nan
            return (labels, value)
        }
    }

    public func stop() { daemon.stop() }
}
