import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A server from Debian's packages run for a test on a loopback port: in a folder of its own with its
/// configuration and log, ready once a GET of `readyPath` answers 200, and stopped with its folder
/// removed. Prometheus, Alertmanager and the registry are each one of these.
public final class LoopbackDaemon: Sendable {
    public let port: Int
    /// The folder the daemon's files and data live in.
    public let folder: URL
    private let name: String
    private let readyPath: String
    private let process: Process

    /// Writes `files(folder, port)` into a fresh folder and starts `executable` with
    /// `arguments(folder, port)`.
    public init(
        _ name: String, executable: String, readyPath: String,
        files: (_ folder: String, _ port: Int) -> [String: String],
        arguments: (_ folder: String, _ port: Int) -> [String]
    ) throws {
        self.name = name
        self.readyPath = readyPath
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = Int.random(in: 10_000..<30_000)
        for (file, content) in files(folder.path, port) {
            try Data(content.utf8).write(to: folder.appendingPathComponent(file))
        }
        let logURL = folder.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(folder.path, port)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// What the daemon logged.
    public func log() -> String {
        (try? String(contentsOf: folder.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
    }

    /// Waits until the daemon answers its readiness path; fails at once if it exits.
    public func ready() async throws {
        try await eventually("\(name) on port \(port) to be ready (log: \(folder.path)/\(name).log)", timeout: .seconds(30)) { () -> Bool? in
            guard process.isRunning else { throw TestSupportError("\(name) exited: \(log())") }
            let (_, response) = try await URLSession.shared.data(from: URL(string: url + readyPath)!)
            return (response as? HTTPURLResponse)?.statusCode == 200 ? true : nil
        }
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}
