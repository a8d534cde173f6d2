import FaultInjection
import Foundation
import Synchronization

/// One replica of the operator under the fault bench: the release binary, `run --leader-elect`, with a
/// ServiceAccount of its own (so the audit log tells the replicas' actions apart) and a ``StreamProxy``
/// of its own between it and the API server (so one replica's streams can be stalled or cut). A replica
/// that exits (killed, or having lost the Lease) is started again, as a kubelet restarts a container;
/// each start logs to a file of its own.
final class OperatorReplica: Sendable {
    let name: String
    let proxy: StreamProxy
    private let executable: String
    private let arguments: [String]
    private let logDirectory: String
    private struct State {
        var process: MeasuredProcess
        var starts = 1
    }
    private let state: Mutex<State>

    init(name: String, proxy: StreamProxy, executable: String, arguments: [String], logDirectory: String) throws {
        self.name = name
        self.proxy = proxy
        self.executable = executable
        self.arguments = arguments
        self.logDirectory = logDirectory
        state = Mutex(State(process: try MeasuredProcess(name: "\(name)-1", executable: executable, arguments: arguments, logDirectory: logDirectory)))
    }

    /// The running (or last) process.
    var process: MeasuredProcess { state.withLock { $0.process } }

    /// The identity it campaigns under (`run`'s default: host name and process id).
    var identity: String { "\(ProcessInfo.processInfo.hostName)-\(process.pid)" }

    /// How many times it was started.
    var starts: Int { state.withLock { $0.starts } }

    /// Starts it again if it has exited; whether it did.
    @discardableResult
    func restartIfExited() throws -> Bool {
        try state.withLock { state in
            guard !state.process.isRunning else { return false }
            state.starts += 1
            state.process = try MeasuredProcess(name: "\(name)-\(state.starts)", executable: executable, arguments: arguments, logDirectory: logDirectory)
            return true
        }
    }
}
