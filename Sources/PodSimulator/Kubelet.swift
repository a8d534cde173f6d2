#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import KubernetesAPI
import KubernetesClient
import Logging
import NIOCore
import OperatorRuntime

/// Plays the kubelet for every pod bound to a simulated node: gives it an address and an application
/// (health endpoint and metrics on the pod's own IP and ports), writes its status as ``KubeletModel``
/// says, wakes when that status next changes by itself, and finishes its deletion.
///
/// Event-driven: it reacts to the pod watch and to its own timers, never polls. Reactions to one pod never
/// overlap; a change that arrives during a reaction is handled right after it.
public actor Kubelet {
    private let client: KubernetesClient
    private let nodes: Set<String>
    private let settings: KubeletSettings
    private let group: any EventLoopGroup
    private let addresses = AddressPool.shared
    public nonisolated let targets = TargetRegistry()
    public nonisolated let lag = LagRecorder()
    private let logger: Logger
    private var pods: [String: RunningPod] = [:]
    /// Pods whose start (binding their ports) is under way, with the newest version seen meanwhile.
    private var starting: [String: SimulatedPod] = [:]
    private var listed: Set<String> = []

    private struct RunningPod {
        var pod: SimulatedPod
        var record: PodRecord
        var faults: Faults
        var behaviour: PodBehaviour
        var servers: [HTTPServer]
        var timer: Task<Void, Never>?
        var busy = false
        var dirty = false
        /// When the change now waiting for a reaction happened.
        var changedAt: ContinuousClock.Instant?
    }

    public init(client: KubernetesClient, nodes: Set<String>, settings: KubeletSettings, group: any EventLoopGroup, logger: Logger) {
        self.client = client
        self.nodes = nodes
        self.settings = settings
        self.group = group
        self.logger = logger
    }

    /// Takes one event of the pod watch.
    public func observe(_ event: WatcherEvent<SimulatedPod>) async {
        let now = ContinuousClock.now
        switch event {
        case .initStart:
            listed = []
        case .initPage(let page):
            for pod in page {
                listed.insert(pod.metadata.uid ?? "")
                await changed(pod, at: now)
            }
        case .initDone:
            for uid in pods.keys where !listed.contains(uid) { await stop(uid) }
        case .apply(let pod):
            await changed(pod, at: now)
        case .delete(let pod):
            await stop(pod.metadata.uid ?? "")
        }
    }

    /// Stops every pod's application (the pods themselves stay as they are in the API) and gives their
    /// addresses back to the process's pool: a simulator started again adopts them.
    public func shutdown() async {
        for (uid, running) in pods {
            running.timer?.cancel()
            for server in running.servers { await server.close() }
            targets.set(uid, nil)
            addresses.release(running.record.ip)
        }
        pods = [:]
    }

    private func changed(_ pod: SimulatedPod, at time: ContinuousClock.Instant) async {
        guard let node = pod.spec.nodeName, nodes.contains(node), let uid = pod.metadata.uid else { return }
        if var running = pods[uid] {
            apply(pod, to: &running)
            if running.changedAt == nil { running.changedAt = time }
            pods[uid] = running
        } else if starting[uid] != nil {
            // Its start is under way (binding its ports): the start takes this newer version when done.
            starting[uid] = pod
            return
        } else if pod.metadata.deletionTimestamp != nil {
            // A terminating pod this kubelet does not run (it finished it already, and this is a late
            // event): confirm the deletion, and give it no address.
            await finishDeletion(pod)
            return
        } else {
            starting[uid] = pod
            guard var running = await start(pod, faults: faults(of: pod)) else {
                starting[uid] = nil
                return
            }
            guard let latest = starting.removeValue(forKey: uid) else {
                // Deleted while it started.
                pods[uid] = running
                await stop(uid)
                return
            }
            apply(latest, to: &running)
            running.changedAt = time
            pods[uid] = running
        }
        await react(uid)
    }

    /// Takes a newer version of a running pod: its faults, and whether it is being deleted.
    private func apply(_ pod: SimulatedPod, to running: inout RunningPod) {
        running.pod = pod
        if pod.metadata.deletionTimestamp != nil, running.record.deletionSeenAt == nil { running.record.deletionSeenAt = Date() }
        let faults = faults(of: pod)
        if running.faults != faults {
            running.record = KubeletModel.faultsChanged(running.record, from: running.faults, to: faults, settings: settings, now: Date())
            running.faults = faults
            running.behaviour.update(faults: faults, healthPaths: pod.healthPaths)
        }
    }

    private func faults(of pod: SimulatedPod) -> Faults {
        do {
            return try Faults(parsing: pod.metadata.annotations?[Faults.annotation] ?? "")
        } catch {
            logger.warning("ignoring the pod's faults", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
            return Faults()
        }
    }

    /// Gives a newly bound pod its address and application; adopts one already running (after a restart
    /// of the simulator) with the address it has. A fresh address whose port another process holds (a
    /// second simulator on the machine) is left to that process, and the next one is tried: a pod must
    /// never advertise an address where another pod answers.
    private func start(_ pod: SimulatedPod, faults: Faults) async -> RunningPod? {
        let behaviour = PodBehaviour(faults: faults, healthPaths: pod.healthPaths)
        if let existing = pod.status?.podIP, AddressPool.isPodAddress(existing), addresses.claim(existing) {
            let servers = await serve(pod, on: existing, behaviour: behaviour, fresh: false) ?? []
            return runningPod(pod, ip: existing, startedAt: pod.status?.startTime ?? Self.second(Date()), faults: faults, behaviour: behaviour, servers: servers)
        }
        for _ in 0..<Self.addressAttempts {
            guard let fresh = addresses.take() else {
                logger.error("no pod address left", metadata: ["pod": "\(pod.key)"])
                return nil
            }
            if let servers = await serve(pod, on: fresh, behaviour: behaviour, fresh: true) {
                return runningPod(pod, ip: fresh, startedAt: Self.second(Date()), faults: faults, behaviour: behaviour, servers: servers)
            }
        }
        logger.error("no free pod address: every one tried is in use by another process", metadata: ["pod": "\(pod.key)", "attempts": "\(Self.addressAttempts)"])
        return nil
    }

    /// How many fresh addresses a pod tries before it gives up.
    private static let addressAttempts = 8

    /// Serves the pod's ports on `ip`. For a `fresh` address, nil when a port is in use there (the servers
    /// already started are closed, and the address stays taken: another process has it); otherwise the
    /// servers that started, a port that cannot be served logged.
    private func serve(_ pod: SimulatedPod, on ip: String, behaviour: PodBehaviour, fresh: Bool) async -> [HTTPServer]? {
        var servers: [HTTPServer] = []
        for port in pod.servedPorts {
            do {
                servers.append(try await HTTPServer.start(host: ip, port: port, group: group) { behaviour.answer($0) })
            } catch let error as IOError where fresh && error.errnoCode == EADDRINUSE {
                logger.info("a pod address is in use by another process; trying the next", metadata: ["pod": "\(pod.key)", "address": "\(ip):\(port)"])
                for server in servers { await server.close() }
                return nil
            } catch {
                logger.warning("cannot serve the pod's port", metadata: ["pod": "\(pod.key)", "address": "\(ip):\(port)", "error": "\(error)"])
            }
        }
        return servers
    }

    private func runningPod(_ pod: SimulatedPod, ip: String, startedAt: Date, faults: Faults, behaviour: PodBehaviour, servers: [HTTPServer]) -> RunningPod {
        if let port = pod.servedPorts.first {
            targets.set(pod.metadata.uid ?? "", .init(namespace: pod.metadata.namespace ?? "", pod: pod.metadata.name ?? "", address: ip, port: port))
        }
        return RunningPod(pod: pod, record: PodRecord(ip: ip, startedAt: startedAt), faults: faults, behaviour: behaviour, servers: servers)
    }

    private func stop(_ uid: String) async {
        starting[uid] = nil
        guard let running = pods.removeValue(forKey: uid) else { return }
        running.timer?.cancel()
        for server in running.servers { await server.close() }
        targets.set(uid, nil)
        addresses.release(running.record.ip)
    }

    /// A timer came due. The reaction runs in a task of its own: cancelling the timer (the next reaction
    /// replaces it) must not cancel the reaction's writes.
    private func wake(_ uid: String) {
        guard pods[uid] != nil else { return }
        if pods[uid]?.changedAt == nil { pods[uid]?.changedAt = .now }
        Task { await self.react(uid) }
    }

    /// Writes the status the model asks for, as often as the pod changed meanwhile.
    private func react(_ uid: String) async {
        guard let running = pods[uid] else { return }
        guard !running.busy else {
            pods[uid]?.dirty = true
            return
        }
        pods[uid]?.busy = true
        while var current = pods[uid] {
            current.dirty = false
            pods[uid] = current
            let reaction = KubeletModel.react(pod: current.pod, record: current.record, faults: current.faults, settings: settings, now: Date())
            let changedAt = current.changedAt
            pods[uid]?.changedAt = nil
            if reaction.remove {
                await finishDeletion(current.pod)
                if let changedAt { lag.record(.now - changedAt) }
                await stop(uid)
                return
            }
            if Self.normalized(reaction.status) != Self.normalized(current.pod.status) {
                await write(reaction.status, of: current.pod)
                if let changedAt { lag.record(.now - changedAt) }
            }
            schedule(uid, at: reaction.nextChange)
            guard pods[uid]?.dirty == true else { break }
        }
        pods[uid]?.busy = false
    }

    private func schedule(_ uid: String, at date: Date?) {
        pods[uid]?.timer?.cancel()
        guard let date else {
            pods[uid]?.timer = nil
            return
        }
        let delay = max(0, date.timeIntervalSinceNow)
        pods[uid]?.timer = Task { [weak self] in
            do {
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000) + 5))
            } catch {
                return
            }
            await self?.wake(uid)
        }
    }

    private func write(_ status: Pod.Status, of pod: SimulatedPod) async {
        do {
            let body = try StatusPatch(status: status)
            _ = try await client.patch(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace, .strategicMerge(body.bytes), subresource: "status")
        } catch let error as KubernetesError where error.reason == .notFound {
            return
        } catch {
            logger.warning("cannot write the pod's status", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
        }
    }

    /// Confirms the termination, as the kubelet does: a delete with a grace period of 0, for this UID only.
    private func finishDeletion(_ pod: SimulatedPod) async {
        do {
            let options = DeleteOptions(preconditions: .init(uid: pod.metadata.uid), gracePeriodSeconds: 0)
            try await client.delete(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace, options: options)
        } catch let error as KubernetesError where error.reason == .notFound || error.reason == .conflict {
            return
        } catch {
            logger.warning("cannot finish the pod's deletion", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
        }
    }

    /// The API keeps times to the second: so does the model, or every comparison would differ.
    private static func second(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// The conditions the simulator writes; others (readiness gates) belong to someone else.
    private static let managedConditions: Set<String> = ["Initialized", "Ready", "ContainersReady", "PodScheduled"]

    /// The status as far as the simulator writes it, times to the second.
    private static func normalized(_ status: Pod.Status?) -> Pod.Status? {
        guard var status else { return nil }
        status.startTime = status.startTime.map(second)
        status.conditions = status.conditions?.filter { managedConditions.contains($0.type) }.map { condition in
            var condition = condition
            condition.lastTransitionTime = condition.lastTransitionTime.map(second)
            condition.message = nil
            return condition
        }.sorted { $0.type < $1.type }
        status.containerStatuses = status.containerStatuses?.map { container in
            var container = container
            if container.lastState == ContainerStatus.State() { container.lastState = nil }
            return container
        }
        return status
    }
}
