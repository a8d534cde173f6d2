import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Prometheus (Debian's `prometheus`) on loopback, scraping what an http_sd endpoint lists every
/// second. Debian's build has no Kubernetes service discovery, so the simulator's discovery serves it.
public final class PrometheusProcess: Sendable {
    public let port: Int
    private let process: Process
    private let folder: URL

    public init(discovery: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = Int.random(in: 10_000..<30_000)
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: pods
                http_sd_configs:
                  - url: \(discovery)
                    refresh_interval: 1s
            """
        try Data(config.utf8).write(to: folder.appendingPathComponent("prometheus.yml"))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = [
            "--config.file=\(folder.path)/prometheus.yml", "--storage.tsdb.path=\(folder.path)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        let log = try FileHandle(forWritingTo: { () -> URL in
            let url = folder.appendingPathComponent("prometheus.log")
            FileManager.default.createFile(atPath: url.path, contents: nil)
            return url
        }())
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Waits until Prometheus answers on its port.
    public func ready() async throws {
        try await eventually("Prometheus on port \(port) to be ready (log: \(folder.path)/prometheus.log)", timeout: .seconds(30)) { () -> Bool? in
            guard process.isRunning else { throw TestSupportError("prometheus exited: \(log())") }
            let (_, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/-/ready")!)
            return (response as? HTTPURLResponse)?.statusCode == 200 ? true : nil
        }
    }

    /// The result of an instant query: each series' labels and value.
    public func query(_ promql: String) async throws -> [(labels: [String: String], value: Double)] {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
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

    public func log() -> String {
        (try? String(contentsOf: folder.appendingPathComponent("prometheus.log"), encoding: .utf8)) ?? ""
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}
