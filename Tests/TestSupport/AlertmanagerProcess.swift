import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on loopback, routing every alert nowhere:
/// tests read what it received through its API.
public final class AlertmanagerProcess: Sendable {
    public let port: Int
    private let process: Process
    private let folder: URL

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("alertmanager-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = Int.random(in: 10_000..<30_000)
        try Data("route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n".utf8).write(to: folder.appendingPathComponent("alertmanager.yml"))
        let logURL = folder.appendingPathComponent("alertmanager.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
        process.arguments = [
            "--config.file=\(folder.path)/alertmanager.yml", "--storage.path=\(folder.path)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn",
        ]
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func ready() async throws {
        try await eventually("Alertmanager on port \(port) to be ready", timeout: .seconds(30)) { () -> Bool? in
            guard process.isRunning else { throw TestSupportError("alertmanager exited: \((try? String(contentsOf: folder.appendingPathComponent("alertmanager.log"), encoding: .utf8)) ?? "")") }
            let (_, response) = try await URLSession.shared.data(from: URL(string: "\(url)/-/ready")!)
            return (response as? HTTPURLResponse)?.statusCode == 200 ? true : nil
        }
    }

    /// The alerts it holds: each one's labels and annotations.
    public func alerts() async throws -> [(labels: [String: String], annotations: [String: String])] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(url)/api/v2/alerts")!)
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return list.map { ($0["labels"] as? [String: String] ?? [:], $0["annotations"] as? [String: String] ?? [:]) }
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}
