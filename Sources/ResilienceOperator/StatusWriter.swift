import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import ResilienceCore
import Synchronization

/// Writes policies' status after the fact and off the reconciler's path.
///
/// ``write(_:of:)`` returns at once; the newest status of a policy replaces one not yet written, so a
/// policy reconciled ten times during a slow write costs one more write, not ten. A write that fails is
/// tried again a second later unless a newer status came meanwhile; a deleted policy is skipped. Its
/// requests are ``RequestPriority/background``: they never hold up an action's. A write once started is
/// finished when the writer stops, for at most ``BackgroundQueue/grace``: a new leader reads it.
public final class StatusWriter: Sendable {
    private let client: KubernetesClient
    private let logger: Logger
    private let pending = Mutex<[ObjectKey: PolicyStatus]>([:])
    private let wakeup = Wakeup()
    /// Writes in flight at once.
    private let concurrency = 4

    public init(client: KubernetesClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Queues `status` as the one to write for `key`.
    public func write(_ status: PolicyStatus, of key: ObjectKey) {
        pending.withLock { $0[key] = status }
        wakeup.signal()
    }

    /// Writes until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            let batch = pending.withLock { pending -> [(ObjectKey, PolicyStatus)] in
                defer { pending = [:] }
                return pending.map { ($0.key, $0.value) }
            }
            guard !batch.isEmpty else {
                await wakeup.wait(until: nil)
                continue
            }
            var failed = false
            await withTaskGroup(of: Bool.self) { group in
                var running = 0
                for (key, status) in batch {
                    if running >= concurrency, let ok = await group.next() {
                        failed = failed || !ok
                        running -= 1
                    }
                    group.addTask { await self.finish(status, of: key) }
                    running += 1
                }
                for await ok in group { failed = failed || !ok }
            }
            if failed { await wakeup.wait(until: .now + .seconds(1)) }
        }
    }

    /// Writes the statuses still pending, even when the calling task is cancelled (a term that ends must
    /// leave its memory in the status for the next leader), for at most `limit`.
    public func drain(within limit: Duration) async {
        await Shielded.run(within: limit) {
            let batch = self.pending.withLock { pending -> [(ObjectKey, PolicyStatus)] in
                defer { pending = [:] }
                return pending.map { ($0.key, $0.value) }
            }
            for (key, status) in batch where !Task.isCancelled {
                _ = await RequestPriority.$current.withValue(.background) { await self.send(status, of: key) }
            }
        }
    }

    /// Writes one status, shielded from the caller's cancellation for ``BackgroundQueue/grace``.
    private func finish(_ status: PolicyStatus, of key: ObjectKey) async -> Bool {
        await Shielded.run(grace: BackgroundQueue.grace) { await RequestPriority.$current.withValue(.background) { await self.send(status, of: key) } }
    }

    /// Writes one status; false when it must be tried again.
    private func send(_ status: PolicyStatus, of key: ObjectKey) async -> Bool {
        struct Body: Encodable { var status: PolicyStatus }
        do {
            let patch = try KubernetesJSON.encoder().encode(Body(status: status))
            _ = try await client.patch(ResiliencePolicy.self, name: key.name, namespace: key.namespace, .merge(Array(patch)), subresource: "status")
            return true
        } catch let error as KubernetesError where error.reason == .notFound {
            return true
        } catch where Task.isCancelled {
            return true
        } catch {
            logger.warning("cannot write a policy's status; retrying", metadata: ["policy": "\(key)", "error": "\(error)"])
            pending.withLock { pending in
                if pending[key] == nil { pending[key] = status }
            }
            return false
        }
    }
}
