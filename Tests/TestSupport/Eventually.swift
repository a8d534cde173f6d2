/// Waits for a condition that other processes (the control plane's controllers) make true.
///
/// Tests may poll: they observe a cluster from outside. The operator itself never does.
@discardableResult
public func eventually<T: Sendable>(
    _ what: String,
    timeout: Duration = .seconds(60),
    every interval: Duration = .milliseconds(200),
    diagnose: () async -> String = { "" },
    _ check: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    while ContinuousClock.now < deadline {
        do {
            if let value = try await check() { return value }
        } catch {
            lastError = error
        }
        try await Task.sleep(for: interval)
    }
    let diagnosis = await diagnose()
    throw TestSupportError("timed out after \(timeout) waiting for \(what)\(lastError.map { "; last error: \($0)" } ?? "")\(diagnosis.isEmpty ? "" : "; \(diagnosis)")")
}
