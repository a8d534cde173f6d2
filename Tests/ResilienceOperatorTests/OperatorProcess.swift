import Foundation
import TestSupport

/// `resilience-operator run` as a process users start, its log (JSON) in a file, for tests that stop it
/// as a kubelet would: SIGTERM, or SIGKILL.
final class OperatorProcess {
    private let process = Process()
    private let log = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).log")
    private let output: FileHandle
    private let exited = AsyncStream.makeStream(of: Int32.self)

    /// Starts the operator with `arguments` after `run`, and `environment` over the test's own.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        output = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: try LocalControlPlane.operatorExecutable())
        process.arguments = ["run"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = output
        process.standardError = output
        let continuation = exited.continuation
        process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: log)
    }

    /// The log's lines that are JSON objects of strings.
    func lines() -> [[String: String]] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
    }

    /// Sends `signal` and waits for the exit; its status.
    func stop(_ signal: Int32) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        var code: Int32 = -1
        for await status in exited.stream { code = status }
        try output.close()
        return code
    }

    /// Its exit status once it has exited (by itself, or stopped).
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// The kernel's account of the process (`/proc/PID/status`: its state, threads, signals), for a
    /// failure's report; empty once it is reaped.
    var kernelStatus: String { (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? "" }
}
