import Foundation

/// A process the operator benchmark measures from outside, as `ps` would: started with its arguments,
/// read for CPU time and memory from /proc, stopped with SIGTERM. Its output goes to a log file, and a
/// line it prints can be waited for.
final class MeasuredProcess: @unchecked Sendable {
    let name: String
    private let process = Process()
    private let log: FileHandle
    let logPath: String
    let started: ContinuousClock.Instant
    /// Signalled once, when the process has exited.
    private let exited = DispatchSemaphore(value: 0)

    init(name: String, executable: String, arguments: [String], logDirectory: String) throws {
        self.name = name
        logPath = "\(logDirectory)/\(name).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.terminationHandler = { [exited] _ in exited.signal() }
        started = .now
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// User and system CPU time so far, in seconds.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory now and at its peak, and the anonymous part of it (the heap, not the binary's
    /// pages), in bytes.
    var memory: (resident: Int, peak: Int, anonymous: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
        }
        return (field("VmRSS"), field("VmHWM"), field("RssAnon"))
    }

    /// Waits until the log has a line containing `text`; the time it took from the start, or nil when the
    /// process ended or `timeout` passed first.
    func waitForLine(containing text: String, timeout: Duration) async -> Duration? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, process.isRunning {
            if let contents = try? String(contentsOfFile: logPath, encoding: .utf8), contents.contains(text) {
                return .now - started
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Sends `signal` (SIGTERM unless told), then waits for the exit; how long that took. It waits on the
    /// termination handler: `Process.waitUntilExit` spins a core here, which a stop measured on two cores
    /// cannot spare.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Duration {
        guard process.isRunning else { return .zero }
        let sent = ContinuousClock.now
        kill(pid, signal)
        exited.wait()
        exited.signal()
        try? log.close()
        return .now - sent
    }

    /// The log's last lines, for an error message.
    func tail(_ lines: Int = 20) -> String {
        let contents = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return contents.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
