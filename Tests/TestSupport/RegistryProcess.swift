import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real OCI registry (Debian's `docker-registry`, the CNCF distribution) on loopback, over plain HTTP,
/// storing in a folder of its own: where README's `skopeo copy ... docker://REGISTRY/...` pushes.
public final class RegistryProcess: Sendable {
    public let port: Int
    private let process: Process
    private let folder: URL

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = Int.random(in: 10_000..<30_000)
        let config = """
            version: 0.1
            log: {level: warn}
            storage: {filesystem: {rootdirectory: \(folder.path)/data}}
            http: {addr: "127.0.0.1:\(port)"}
            """
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.yml"))
        let logURL = folder.appendingPathComponent("registry.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", folder.appendingPathComponent("config.yml").path]
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// `127.0.0.1:<port>`, as an image reference's registry part.
    public var host: String { "127.0.0.1:\(port)" }

    public func ready() async throws {
        try await eventually("the registry on port \(port) to be ready", timeout: .seconds(30)) { () -> Bool? in
            guard process.isRunning else { throw TestSupportError("docker-registry exited: \((try? String(contentsOf: folder.appendingPathComponent("registry.log"), encoding: .utf8)) ?? "")") }
            let (_, response) = try await URLSession.shared.data(from: URL(string: "http://\(host)/v2/")!)
            return (response as? HTTPURLResponse)?.statusCode == 200 ? true : nil
        }
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}
