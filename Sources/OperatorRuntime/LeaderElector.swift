#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import Logging

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it.
///
/// Expected flow: ``run(lead:)`` tries to take the lease every `retryPeriod`. Once it holds it, it starts
/// `lead` and renews every `retryPeriod`. A lease held by another candidate counts as valid until
/// `leaseDuration` has passed since this process *observed* its last change, so clocks that disagree
/// between nodes do not matter.
///
/// Guarantees:
/// - `lead` runs only while this process holds the lease, and ``fence`` says so to every write;
/// - the lease's requests never wait in the client's rate limiter, and each try is cut off at the renew
///   deadline (`renewDeadline` after the last successful renewal started), not at the client's timeout;
/// - when renewing fails until that deadline, or another candidate is seen holding the lease, the fence
///   is down at once (at the deadline, whatever the request does), `lead` is cancelled and `run` returns
///   ``Outcome/lost``: the caller should stop acting (and exit);
/// - when the task running `run` is cancelled (graceful shutdown), `lead` is cancelled and awaited (what
///   is in flight finishes; for at most `renewDeadline`), then the lease is released (empty holder, 1 s duration) so a successor
///   takes over within its retry period, and `run` returns ``Outcome/released``.
///
/// RBAC: get, create and update on `leases` in the lease's namespace.
public struct LeaderElector<C: Clock>: Sendable where C.Duration == Duration {
    /// Timings, with client-go's defaults.
    public struct Configuration: Sendable {
        public var leaseName: String
        public var namespace: String
        public var identity: String
        public var leaseDuration: Duration = .seconds(15)
        public var renewDeadline: Duration = .seconds(10)
        public var retryPeriod: Duration = .seconds(2)

        public init(leaseName: String, namespace: String, identity: String) {
            self.leaseName = leaseName
            self.namespace = namespace
            self.identity = identity
        }
    }

    /// How a `run` ended.
    public enum Outcome: Sendable, Equatable {
        /// Leadership was lost; `lead` was cancelled.
        case lost
        /// The task was cancelled; the lease was released if held.
        case released
    }

    public let configuration: Configuration
    /// Whether this candidate leads now: what every write an action makes checks first.
    public let fence: LeadershipFence<C>
    private let client: KubernetesClient
    private let clock: C
    private let logger: Logger

    public init(configuration: Configuration, client: KubernetesClient, clock: C, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.clock = clock
        self.logger = logger
        self.fence = LeadershipFence(clock: clock)
    }

    /// Campaigns, leads while holding the lease, and returns when leadership ends.
    public func run(lead: @escaping @Sendable () async -> Void) async -> Outcome {
        var observed = Observation()
        var acquiredAt = clock.now
        while !Task.isCancelled {
            acquiredAt = clock.now
            if let (held, seen) = await attempt(observed, deadline: acquiredAt.advanced(by: configuration.renewDeadline)) {
                observed = seen
                if held { break }
            }
            do { try await clock.sleep(for: configuration.retryPeriod) } catch { return .released }
        }
        if Task.isCancelled { return .released }
        fence.extend(to: acquiredAt.advanced(by: configuration.renewDeadline))
        logger.info("became leader", metadata: ["lease": "\(configuration.namespace)/\(configuration.leaseName)", "identity": "\(configuration.identity)"])
        let leader = Task { await lead() }
        var lastRenewal = acquiredAt
        while true {
            do {
                try await clock.sleep(for: configuration.retryPeriod)
            } catch {
                // Graceful shutdown: the workers stop and what is in flight finishes (the term drains its
                // status and Events) before the lease goes, so a successor starts from all of it.
                leader.cancel()
                // This task is cancelled: wait from a new one, and for at most the renew deadline (a `lead`
                // that ignores its cancellation must not keep the lease; the fence stops its writes anyway).
                let wait = configuration.renewDeadline, clock = self.clock
                await Task {
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await leader.value }
                        group.addTask { try? await clock.sleep(for: wait) }
                        await group.next()
                        group.cancelAll()
                    }
                }.value
                fence.lower()
                // This task is cancelled, and so would be the release's request: release from a new task.
                let held = observed.lease
                await Task { await release(held) }.value
                return .released
            }
            // A renewal must end by the renew deadline: one that stalls is cut off there, not left to the
            // client's timeout, and the fence is down by then anyway.
            let started = clock.now
            let deadline = lastRenewal.advanced(by: configuration.renewDeadline)
            let outcome = await attempt(observed, deadline: deadline)
            if let outcome { observed = outcome.seen }
            if outcome?.held == true {
                lastRenewal = started
                fence.extend(to: started.advanced(by: configuration.renewDeadline))
            } else if observed.heldByOther(configuration.identity) || deadline <= clock.now {
                fence.lower()
                leader.cancel()
                logger.error("lost leadership; stopping every action", metadata: ["lease": "\(configuration.namespace)/\(configuration.leaseName)", "holder": "\(observed.lease?.spec.holderIdentity ?? "")"])
                return .lost
            }
        }
    }

    /// One try to take or renew the lease, outside the client's rate limiter and cut off at `deadline`:
    /// whether it holds the lease, and what was seen of it; nil when the deadline came first.
    private func attempt(_ observed: Observation, deadline: C.Instant) async -> (held: Bool, seen: Observation)? {
        await withTaskGroup(of: (held: Bool, seen: Observation)?.self) { group in
            group.addTask {
                var seen = observed
                let held = await RequestPriority.$current.withValue(.leadership) { await self.tryAcquireOrRenew(&seen) }
                return (held, seen)
            }
            group.addTask {
                try? await self.clock.sleep(until: deadline, tolerance: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// What this candidate last saw of the lease, and when (on its own clock).
    private struct Observation {
        var lease: Lease?
        var at: C.Instant?

        func heldByOther(_ identity: String) -> Bool {
            guard let holder = lease?.spec.holderIdentity, !holder.isEmpty else { return false }
            return holder != identity
        }
    }

    private func tryAcquireOrRenew(_ observed: inout Observation) async -> Bool {
        let now = MicroTime(Date())
        let seconds = Int(configuration.leaseDuration.components.seconds)
        let current: Lease
        do {
            current = try await client.get(Lease.self, name: configuration.leaseName, namespace: configuration.namespace)
        } catch let error as KubernetesError where error.reason == .notFound {
            let lease = Lease(
                metadata: ObjectMeta(name: configuration.leaseName, namespace: configuration.namespace),
                spec: .init(holderIdentity: configuration.identity, leaseDurationSeconds: seconds, acquireTime: now, renewTime: now, leaseTransitions: 0))
            do {
                observed = Observation(lease: try await client.create(lease), at: clock.now)
                return true
            } catch {
                logger.debug("could not create the lease", metadata: ["error": "\(error)"])
                return false
            }
        } catch where Task.isCancelled {
            // Cut off (the renew deadline, or a shutdown): nothing went wrong with the lease itself.
            return false
        } catch {
            logger.warning("could not read the lease", metadata: ["error": "\(error)"])
            return false
        }
        if observed.lease?.spec != current.spec || observed.at == nil {
            observed = Observation(lease: current, at: clock.now)
        }
        let holder = current.spec.holderIdentity ?? ""
        if !holder.isEmpty, holder != configuration.identity,
           let at = observed.at, at.duration(to: clock.now) < .seconds(current.spec.leaseDurationSeconds ?? seconds) {
            return false
        }
        var next = current
        if holder != configuration.identity {
            next.spec.acquireTime = now
            next.spec.leaseTransitions = (current.spec.leaseTransitions ?? 0) + (holder.isEmpty && current.spec.acquireTime == nil ? 0 : 1)
        }
        next.spec.holderIdentity = configuration.identity
        next.spec.leaseDurationSeconds = seconds
        next.spec.renewTime = now
        do {
            observed = Observation(lease: try await client.update(next), at: clock.now)
            return true
        } catch {
            logger.debug("could not take or renew the lease", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Releases the lease this candidate holds. The copy last seen may be stale: a renewal whose answer the
    /// shutdown cut off may have landed after all. Then the write meets 409 Conflict, and the lease is read
    /// afresh and released if this candidate still holds it, rather than left for a successor to wait out.
    private func release(_ held: Lease?) async {
        guard let held, held.spec.holderIdentity == configuration.identity else { return }
        await RequestPriority.$current.withValue(.leadership) {
            do {
                do {
                    _ = try await client.update(released(held))
                } catch let error as KubernetesError where error.reason == .conflict {
                    let current = try await client.get(Lease.self, name: configuration.leaseName, namespace: configuration.namespace)
                    guard current.spec.holderIdentity == configuration.identity else { return }
                    _ = try await client.update(released(current))
                }
                logger.info("released the lease", metadata: ["lease": "\(configuration.namespace)/\(configuration.leaseName)"])
            } catch {
                logger.warning("could not release the lease; a successor waits for it to expire", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The lease given up: no holder, and a duration of 1 s for candidates that do not check the holder.
    private func released(_ lease: Lease) -> Lease {
        var lease = lease
        lease.spec.holderIdentity = ""
        lease.spec.leaseDurationSeconds = 1
        lease.spec.renewTime = MicroTime(Date())
        return lease
    }
}
