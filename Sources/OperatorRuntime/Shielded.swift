/// Work that must not be cut halfway by its caller's cancellation: a request already sent for an Event
/// or a status. Cancellation is passed on only after a grace, so a hung request cannot hold a shutdown.
///
/// The work is a task of its own, started on the caller's thread (`Task.immediate`) and run there until
/// it first waits: an action's request goes out without waiting for a thread of the pool.
public enum Shielded {
    /// Runs `work`, letting it go on for at most `grace` after the caller is cancelled.
    public static func run<T: Sendable>(grace: Duration, _ work: @escaping @Sendable () async -> T) async -> T {
        let running = Task.immediate { await work() }
        return await withTaskCancellationHandler {
            await running.value
        } onCancel: {
            Task {
                try? await Task.sleep(for: grace)
                running.cancel()
            }
        }
    }

    /// Runs `work` to its end even when the caller is cancelled, for at most `limit` in all (then
    /// `work` is cancelled).
    public static func run<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable () async -> T) async -> T {
        let running = Task.immediate { await work() }
        let timer = Task {
            try? await Task.sleep(for: limit)
            running.cancel()
        }
        defer { timer.cancel() }
        return await running.value
    }
}
