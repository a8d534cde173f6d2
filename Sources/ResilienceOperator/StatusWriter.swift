import KubernetesAPI
import KubernetesClient
import Logging
import Metrics
import OperatorRuntime
import ResilienceCore
import Synchronization

/// Writes policies' status after the fact and off the reconciler's path.
///
/// A status is written whole (a JSON patch that replaces `status`), never merged into the one on the
/// server: a merge patch cannot remove a map's key, so closed episodes and undone scale-ups would stay in
/// `status.memory` for a restarted operator or a new leader to read back. The patch holds to the policy's
/// UID, so a policy deleted and created again under the same name never gets its predecessor's memory.
///
/// ``write(_:of:uid:)`` never waits for a write. A policy's status goes out ``settle`` after the first change
/// not yet written, and the newest status then replaces the older ones: an action and its replacement
/// pod's readiness, or ten reconciles during an incident, cost one write, not two or ten. A status write
/// is what a policy costs the API server most (it re-reads, validates and tracks the fields of the whole
/// object), so this is what keeps the operator light on it while actions come. A write that fails is tried
/// again after a backoff (1 s doubling to a minute) unless a newer status came meanwhile; a deleted policy
/// is skipped. Its requests are ``RequestPriority/background``: they never hold up an action's. A write
/// once started is finished when the writer stops, for at most ``BackgroundQueue/grace``, and
/// ``drain(within:)`` then writes what is still settling: a new leader reads it.
///
/// The writes wait in a ``WorkQueue`` named `statuses` (its depth and wait are in the operator's metrics),
/// which never hands out one policy twice at once: a policy's statuses reach the server in order.
public final class StatusWriter<C: Clock>: Sendable where C.Duration == Duration {
    private let client: KubernetesClient
    private let logger: Logger
    private let pending = Mutex<[ObjectKey: Pending]>([:])
    private let queue: WorkQueue<ObjectKey, C>
    /// How long a policy's first unwritten change waits for the ones that follow it.
    private let settle: Duration
    /// Writes in flight at once.
    private let concurrency = 4

    /// Whether this replica still leads: a replica that no longer does writes no status (its successor's
    /// would be overwritten).
    private let leading: @Sendable () -> Bool

    public init(
        client: KubernetesClient, logger: Logger, clock: C, settle: Duration = .seconds(1),
        metrics: any MetricsFactory = MetricsSystem.factory, leading: @escaping @Sendable () -> Bool = { true }
    ) {
        self.client = client
        self.logger = logger
        self.settle = settle
        self.queue = WorkQueue(name: "statuses", clock: clock, baseDelay: .seconds(1), maxDelay: .seconds(60), metrics: metrics)
        self.leading = leading
    }

    /// A status to write, and the UID of the policy it belongs to.
    private struct Pending: Sendable {
        var status: PolicyStatus
        var uid: String?
    }

    /// Keeps `status` as the one to write for `key`, whose UID is `uid`, and schedules the write ``settle``
    /// from now unless one is scheduled already.
    public func write(_ status: PolicyStatus, of key: ObjectKey, uid: String?) async {
        pending.withLock { $0[key] = Pending(status: status, uid: uid) }
        await queue.add(key, after: settle, reason: .requested("a new status"))
    }

    /// Writes until the task is cancelled.
    public func run() async {
        await queue.serve(workers: concurrency) { await self.work() }
    }

    private func work() async {
        while let (key, _, _) = await queue.next() {
            if let status = pending.withLock({ $0.removeValue(forKey: key) }) {
                if await finish(status, of: key) {
                    await queue.forget(key)
                } else {
                    // Tried again after a backoff, unless a newer status came meanwhile.
                    pending.withLock { newer in
                        if newer[key] == nil { newer[key] = status }
                    }
                    await queue.addRateLimited(key)
                }
            }
            await queue.done(key)
        }
    }

    /// Writes the statuses still pending, settled or not, even when the calling task is cancelled (a term
    /// that ends must leave its memory in the status for the next leader), for at most `limit`. No action
    /// comes after it, so these writes spend the burst kept for actions.
    ///
    /// Returns the policies whose status was not written (not sent, failed, or cut off by the limit),
    /// and logs them: a new leader reads an older memory of their actions.
    @discardableResult
    public func drain(within limit: Duration) async -> [ObjectKey] {
        let unwritten = await Shielded.run(within: limit) {
            let batch = self.pending.withLock { pending -> [(ObjectKey, Pending)] in
                defer { pending = [:] }
                return pending.map { ($0.key, $0.value) }
            }
            var unwritten: [ObjectKey] = []
            for (key, status) in batch {
                var written = false
                if !Task.isCancelled {
                    written = await RequestPriority.$current.withValue(.critical) { await self.send(status, of: key) }
                }
                // Not sent, failed (a term has no later to try again in), or cut off by the limit.
                if !written || Task.isCancelled { unwritten.append(key) }
            }
            return unwritten
        }
        if !unwritten.isEmpty {
            logger.warning("statuses not written at the end of the term: a new leader reads an older memory of these policies' actions", metadata: [
                "count": "\(unwritten.count)", "limit": "\(limit)", "policies": "\(unwritten.prefix(20).map(\.description).joined(separator: ", "))",
            ])
        }
        return unwritten
    }

    /// Writes one status, shielded from the caller's cancellation for ``BackgroundQueue/grace``.
    private func finish(_ status: Pending, of key: ObjectKey) async -> Bool {
        await Shielded.run(grace: BackgroundQueue.grace) { await RequestPriority.$current.withValue(.background) { await self.send(status, of: key) } }
    }

    /// Writes one status; false when it failed and may be tried again (the writer's loop does, after a
    /// backoff; a drain has no later to try in).
    private func send(_ pending: Pending, of key: ObjectKey) async -> Bool {
        guard leading() else {
            logger.warning("not writing a policy's status: this replica no longer leads", metadata: ["policy": "\(key)"])
            return true
        }
        do {
            _ = try await client.patch(ResiliencePolicy.self, name: key.name, namespace: key.namespace, try Self.patch(pending.status, uid: pending.uid), subresource: "status")
            return true
        } catch let error as KubernetesError where error.reason == .notFound {
            return true
        } catch let error as KubernetesError where error.reason == .invalid {
            // Another policy has the name now (the patch's test of the UID failed), or the status itself is
            // refused: sending it again would not help either way.
            let current = try? await client.get(ResiliencePolicy.self, name: key.name, namespace: key.namespace).metadata.uid
            if current != nil, current == pending.uid {
                logger.error("the API server refuses a policy's status", metadata: ["policy": "\(key)", "error": "\(error)"])
            }
            return true
        } catch where Task.isCancelled {
            return true
        } catch {
            logger.warning("cannot write a policy's status", metadata: ["policy": "\(key)", "error": "\(error)"])
            return false
        }
    }

    /// The JSON patch that replaces the status whole, if the policy still has `uid`.
    static func patch(_ status: PolicyStatus, uid: String?) throws -> Patch {
        let encoder = KubernetesJSON.encoder()
        var operations: [UInt8] = Array("[".utf8)
        if let uid {
            operations += try encoder.encode(JSONPatchOperation(op: "test", path: "/metadata/uid", value: .string(uid)))
            operations += Array(",".utf8)
        }
        // `add` replaces a member that exists and creates one that does not: the first status has none.
        operations += Array(#"{"op":"add","path":"/status","value":"#.utf8) + Array(try encoder.encode(status)) + Array("}]".utf8)
        return .json(encoded: operations)
    }
}
