import ArgumentParser
import FaultInjection
import Foundation
import KubernetesAPI
import KubernetesClient
import Logging
import ResilienceCore

/// `resilience-bench faults`: the operator through API faults and incidents, with pods failing all along.
///
/// Two replicas of the operator (the release binary, `run --leader-elect`, each with a ServiceAccount of
/// its own and a ``StreamProxy`` of its own in front of the API server) watch `--deployments`
/// Deployments, one policy each (evict a pod that crash-loops). The bench plays the kubelet and writes
/// a fault every `--churn` milliseconds: a Ready pod made to crash-loop. Each row injects one kind of
/// fault, then waits for the pods to recover, and counts from the bench's own watch (actions taken and
/// lost) and from the API server's audit log (evictions carried out twice, pods evicted that no fault
/// was written to, the replicas' actions interleaved: two leaders acting). The plane's API server is
/// restarted with `hack/control-plane.sh`, so the plane must be one of its own (`hack/bench-faults.sh`).
struct FaultBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "faults", abstract: "The operator through API faults and incidents, with churn.")

    @Option(help: "Pods in all.")
    var pods = 100

    @Option(help: "Deployments in all, each with its own policy.")
    var deployments = 20

    @Option(help: "Milliseconds between faults (a Ready pod made to crash-loop; at most one pending per Deployment).")
    var churn = 300

    @Option(help: "The rows, in order: restart, gone, throttled, cut, stall, sigkill, sigterm, soak.")
    var rows = "restart,gone,throttled,cut,stall,sigkill,sigterm"

    @Option(help: "API server restarts in the restart row.")
    var restarts = 10

    @Option(help: "Seconds the throttled row runs the API server with --max-requests-inflight 1.")
    var throttled = 60

    @Option(help: "Seconds each stall of the leader's connections lasts (longer than its renew deadline).")
    var stall = 25

    @Option(help: "Minutes of the soak row (memory sampled each minute).")
    var soakMinutes = 30

    @Option(help: "The replicas' log level (their logs stay in the run's folder).")
    var replicaLogLevel = "info"

    @Option(help: "The operator binary (a release build).")
    var operatorBinary = ".build-release/release/resilience-operator"

    @Option(help: "The control plane script, which stops and starts the plane's API server.")
    var controlPlane = "hack/control-plane.sh"

    @Option(help: "Where the JSON result goes.")
    var json = ".build-release/bench/faults.json"

    @OptionGroup var plane: PlaneOptions

    /// The replicas' lease (the operator's defaults): two leaders acting means one acted between two
    /// actions of the other less than this apart.
    private static let leaseDuration = 15.0
    private static let leaseName = "resilience-fault-bench"

    func run() async throws {
        let admin = try KubeConfig.load(path: plane.kubeconfig)
        var configuration = try admin.configuration()
        configuration.qps = 5000
        configuration.burst = 10000
        let client = try KubernetesClient(configuration: configuration)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("resilience-bench-faults-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let stateDirectory = URL(fileURLWithPath: plane.kubeconfig).deletingLastPathComponent().path
        let audit = AuditLog(path: "\(stateDirectory)/logs/audit.log")
        guard let port = configuration.server.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            throw BenchError("no port in the API server's address \(configuration.server)")
        }

        let workload = try await BenchWorkload.prepare(client: client, namespaces: 1, deployments: deployments, prefix: "bench-faults", logger: logger)
        let standIn = Task { await workload.kubelet.run() }
        let replicasPerDeployment = max(1, pods / deployments)
        var replicas: [OperatorReplica] = []
        do {
            say("populating: \(deployments * replicasPerDeployment) pods in \(deployments) Deployments")
            try await workload.populate(replicas: replicasPerDeployment)
            try await workload.recreatePolicies(podRestart: "evict")
            let names = ["fault-a", "fault-b"]
            let tokens = try await ServiceAccounts(client: client).tokens(for: names)
            let namespace = workload.spaces[0]
            for name in names {
                let proxy = try await StreamProxy.start(upstreamPort: port)
                let kubeconfig = try ServiceAccounts.kubeconfig(
                    admin: admin, token: tokens[name]!, server: "https://127.0.0.1:\(proxy.port)", to: "\(work)/\(name).kubeconfig")
                replicas.append(try OperatorReplica(
                    name: name, proxy: proxy, executable: operatorBinary,
                    arguments: ["run", "--kubeconfig", kubeconfig, "--namespace", namespace, "--leader-elect",
                                "--leader-election-namespace", namespace, "--leader-election-id", Self.leaseName,
                                "--metrics-address", "127.0.0.1:\(Int.random(in: 20_000...40_000))", "--log-level", replicaLogLevel],
                    logDirectory: work))
            }
            let run = Run(bench: self, workload: workload, replicas: replicas, audit: audit, namespace: namespace,
                          churn: FaultChurn(client: client, kubelet: workload.kubelet, targets: workload.targets,
                                            replicas: replicasPerDeployment, interval: .milliseconds(churn)))
            _ = try await run.leader()
            let churning = Task { await run.churn.run() }
            defer { churning.cancel() }
            // The replicas' kubelet: a replica that exited is started again a second later.
            let supervising = Task { [replicas] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    for replica in replicas where !Task.isCancelled { _ = try? replica.restartIfExited() }
                }
            }
            defer { supervising.cancel() }
            try await Task.sleep(for: .seconds(5))
            var result = FaultBenchResult(machine: machineDescription(), pods: deployments * replicasPerDeployment, deployments: deployments,
                                          churnMilliseconds: churn, rows: [], soak: [])
            for row in rows.split(separator: ",").map(String.init) {
                say("row \(row)…")
                let figures = try await run.row(row) { minutes in result.soak = minutes }
                say("  \(figures.expected) expected, \(figures.taken) taken, \(figures.duplicated) duplicated, \(figures.refused) refused, \(figures.lost) lost, \(figures.twoLeadersActing) two leaders; \(figures.notes)")
                result.rows.append(figures)
            }
            churning.cancel()
            supervising.cancel()
            say(result.table)
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: json).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try result.json().write(to: URL(fileURLWithPath: json))
            say("JSON: \(json); the replicas' logs: \(work)")
        } catch {
            for replica in replicas { replica.process.stop() }
            try? await workload.cleanUp(timeout: .seconds(Int64(120 + pods / 50)))
            standIn.cancel()
            throw error
        }
        for replica in replicas {
            replica.process.stop()
            await replica.proxy.shutdown()
        }
        try await workload.cleanUp(timeout: .seconds(Int64(120 + pods / 50)))
        standIn.cancel()
        try await client.shutdown()
    }

    /// One run's parts, and the rows it measures.
    private struct Run {
        let bench: FaultBenchmark
        let workload: BenchWorkload
        let replicas: [OperatorReplica]
        let audit: AuditLog
        let namespace: String
        let churn: FaultChurn

        /// What a row injected: how many times, when each injection ended, and what shows it happened.
        struct Injected {
            var count: Int
            var ends: [ContinuousClock.Instant]
            var notes: String
        }

        func row(_ name: String, soak: ([FaultBenchResult.SoakMinute]) -> Void) async throws -> FaultBenchResult.Row {
            let started = ContinuousClock.now
            let startedAt = Date()
            let transitions = try await lease().spec.leaseTransitions ?? 0
            let starts = replicas.map(\.starts).reduce(0, +)
            var injected: Injected
            switch name {
            case "restart": injected = try await restarts()
            case "gone": injected = try await gone(since: startedAt)
            case "throttled": injected = try await throttled(since: startedAt)
            case "cut": injected = try await cuts()
            case "stall": injected = try await stalls()
            case "sigkill": injected = try await kills(SIGKILL)
            case "sigterm": injected = try await kills(SIGTERM)
            case "soak":
                let (minutes, figures) = try await soaked()
                soak(minutes)
                injected = figures
            default: throw BenchError("no row \(name) (restart, gone, throttled, cut, stall, sigkill, sigterm, soak)")
            }
            let ended = ContinuousClock.now
            let kubelet = workload.kubelet
            let faults = churn.faults(since: started, until: ended)
            try? await waitUntil("the row's faults acted on", timeout: .seconds(120)) {
                faults.allSatisfy { kubelet.deletionSeen($0.uid) != nil }
            }
            _ = try await leader()
            let requests = audit.answered(byUsersStartingWith: "system:serviceaccount:\(ServiceAccounts.namespace):fault-",
                                          from: startedAt, to: Date().addingTimeInterval(2))
            let actions = requests.filter(\.isAction)
            var byPod: [String: Int] = [:]
            for action in actions { byPod["\(action.namespace ?? "")/\(action.name ?? "")", default: 0] += 1 }
            let taken = faults.filter { kubelet.deletionSeen($0.uid) != nil }.count
            let refused = try await refusals(of: faults.filter { kubelet.deletionSeen($0.uid) == nil })
            let recoveries = injected.ends.compactMap { recovery(after: $0) }.sorted()
            let handovers = (try await lease().spec.leaseTransitions ?? 0) - transitions
            let restarted = replicas.map(\.starts).reduce(0, +) - starts
            return FaultBenchResult.Row(
                fault: Self.titles[name] ?? name, injections: injected.count, expected: faults.count, taken: taken,
                duplicated: byPod.values.reduce(0) { $0 + max(0, $1 - 1) }, refused: refused, lost: faults.count - taken - refused.values.reduce(0, +),
                healthyActedOn: actions.filter { !churn.touched($0.namespace ?? "", $0.name ?? "") }.count,
                twoLeadersActing: Self.interleavings(actions, within: FaultBenchmark.leaseDuration),
                recoverMaxSeconds: recoveries.last ?? 0, recoverMedianSeconds: recoveries.isEmpty ? 0 : recoveries[recoveries.count / 2],
                notes: ([injected.notes] + (handovers > 0 ? ["leadership changed hands \(handovers) times"] : [])
                        + (restarted > 0 ? ["replicas started again \(restarted) times"] : [])).filter { !$0.isEmpty }.joined(separator: "; "))
        }

        private static let titles = [
            "restart": "kube-apiserver restarted", "gone": "410 Gone (etcd compacted, watch cache off, streams cut)",
            "throttled": "429 (--max-requests-inflight 1)", "cut": "streams cut mid-event (proxy)",
            "stall": "the leader's connections stalled (proxy)", "sigkill": "leader SIGKILLed", "sigterm": "leader SIGTERMed",
            "soak": "soak",
        ]

        // MARK: Rows

        private func restarts() async throws -> Injected {
            var ends: [ContinuousClock.Instant] = []
            for _ in 0..<bench.restarts {
                try await Task.sleep(for: .seconds(6))
                try await controlPlane(["stop", "kube-apiserver"])
                try await Task.sleep(for: .seconds(2))
                try await controlPlane(["start", "kube-apiserver"])
                ends.append(.now)
            }
            return Injected(count: ends.count, ends: ends, notes: "")
        }

        private func gone(since: Date) async throws -> Injected {
            try await controlPlane(["stop", "kube-apiserver"])
            try await controlPlane(["start", "kube-apiserver", "--watch-cache=false"])
            try await Task.sleep(for: .seconds(10))
            let before = relists(since: since)
            var ends: [ContinuousClock.Instant] = []
            for _ in 0..<3 {
                try await Task.sleep(for: .seconds(6))
                let status = try await controlPlane(["etcdctl", "endpoint", "status", "-w", "json"])
                guard let revision = status.split(separator: "\"revision\":").dropFirst().first.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
                    throw BenchError("no revision in etcd's status: \(status)")
                }
                try await controlPlane(["etcdctl", "compact", String(revision)])
                for replica in replicas { replica.proxy.cutMidMessage() }
                try await Task.sleep(for: .seconds(1))
                for replica in replicas { replica.proxy.cut() }
                ends.append(.now)
            }
            try await Task.sleep(for: .seconds(10))
            let relisted = relists(since: since) - before
            try await controlPlane(["stop", "kube-apiserver"])
            try await controlPlane(["start", "kube-apiserver"])
            return Injected(count: ends.count, ends: ends, notes: "\(relisted) lists by the replicas after compactions (relists)")
        }

        private func throttled(since: Date) async throws -> Injected {
            try await controlPlane(["stop", "kube-apiserver"])
            try await controlPlane(["start", "kube-apiserver", "--max-requests-inflight", "1", "--max-mutating-requests-inflight", "1",
                                    "--enable-priority-and-fairness=false"])
            try await Task.sleep(for: .seconds(Int64(bench.throttled)))
            try await controlPlane(["stop", "kube-apiserver"])
            try await controlPlane(["start", "kube-apiserver"])
            let answered = audit.answered(byUsersStartingWith: "system:serviceaccount:\(ServiceAccounts.namespace):fault-", from: since, to: Date())
            let refused = answered.filter { $0.code == 429 }
            let evictions = refused.filter { $0.request == "create pods/eviction" }.count
            return Injected(count: refused.count, ends: [.now],
                            notes: "\(refused.count) requests answered 429 (\(evictions) evictions), each retried after Retry-After")
        }

        private func cuts() async throws -> Injected {
            var ends: [ContinuousClock.Instant] = []
            let accepted = replicas.map(\.proxy.accepted).reduce(0, +)
            for _ in 0..<10 {
                try await Task.sleep(for: .seconds(4))
                for replica in replicas { replica.proxy.cutMidMessage() }
                try await Task.sleep(for: .milliseconds(500))
                for replica in replicas { replica.proxy.cut() }
                ends.append(.now)
            }
            let reconnected = replicas.map(\.proxy.accepted).reduce(0, +) - accepted
            return Injected(count: ends.count, ends: ends, notes: "\(reconnected) connections opened again")
        }

        private func stalls() async throws -> Injected {
            var ends: [ContinuousClock.Instant] = []
            for _ in 0..<3 {
                let stalled = try await leader()
                stalled.proxy.stall()
                try await Task.sleep(for: .seconds(Int64(bench.stall)))
                stalled.proxy.resume()
                ends.append(.now)
                try await Task.sleep(for: .seconds(10))
            }
            return Injected(count: ends.count, ends: ends, notes: "\(bench.stall) s each")
        }

        private func kills(_ signal: Int32) async throws -> Injected {
            var ends: [ContinuousClock.Instant] = []
            for _ in 0..<3 {
                let killed = try await leader()
                try await Task.sleep(for: .seconds(3))
                killed.process.stop(signal: signal)
                ends.append(.now)
                try killed.restartIfExited()
                try await Task.sleep(for: .seconds(signal == SIGKILL ? 25 : 10))
            }
            return Injected(count: ends.count, ends: ends, notes: "")
        }

        private func soaked() async throws -> ([FaultBenchResult.SoakMinute], Injected) {
            var minutes: [FaultBenchResult.SoakMinute] = []
            for minute in 1...bench.soakMinutes {
                try await Task.sleep(for: .seconds(60))
                var resident: [String: Double] = [:]
                var anonymous: [String: Double] = [:]
                for replica in replicas {
                    let memory = replica.process.memory
                    resident[replica.name] = (Double(memory.resident) / 1_048_576 * 10).rounded() / 10
                    anonymous[replica.name] = (Double(memory.anonymous) / 1_048_576 * 10).rounded() / 10
                }
                minutes.append(FaultBenchResult.SoakMinute(minute: minute, residentMiB: resident, anonymousMiB: anonymous))
                say("  minute \(minute): " + replicas.map { "\($0.name) \(resident[$0.name]!) MiB (heap \(anonymous[$0.name]!))" }.joined(separator: ", "))
            }
            return (minutes, Injected(count: 0, ends: [], notes: "\(bench.soakMinutes) minutes of churn"))
        }

        // MARK: Figures

        /// Of the faults not acted on, those whose policy refuses by a safety check, by check: the
        /// Remediating condition's reason (HaltedLoopBreaker, say), or the blocked entry's check.
        private func refusals(of unacted: [FaultChurn.Fault]) async throws -> [String: Int] {
            var counts: [String: Int] = [:]
            var statuses: [String: PolicyStatus?] = [:]
            for fault in unacted {
                let deployment = FaultChurn.deployment(of: fault.name)
                if statuses[deployment] == nil {
                    statuses[deployment] = try? await workload.client.get(ResiliencePolicy.self, name: deployment, namespace: fault.namespace).status
                }
                guard let status = statuses[deployment] ?? nil else { continue }
                if let remediating = status.conditions?.first(where: { $0.type == "Remediating" }), remediating.reason.hasPrefix("Halted") {
                    counts[remediating.reason, default: 0] += 1
                } else if let blocked = status.lastActions?.first(where: { $0.pod == fault.name && $0.result == "blocked" }) {
                    counts["blocked: \(blocked.reason.split(separator: ";").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "")", default: 0] += 1
                }
            }
            return counts
        }

        /// After an injection ended at `end`: until every fault pending then was acted on, or, with none
        /// pending, until the next fault was; nil when one of them never was.
        private func recovery(after end: ContinuousClock.Instant) -> Double? {
            let kubelet = workload.kubelet
            let faults = churn.faults()
            let pending = faults.filter { $0.written < end && (kubelet.deletionSeen($0.uid).map { $0 > end } ?? true) }
            if !pending.isEmpty {
                let seen = pending.compactMap { kubelet.deletionSeen($0.uid) }
                guard seen.count == pending.count, let last = seen.max() else { return nil }
                return seconds(last - end)
            }
            guard let next = faults.first(where: { $0.written >= end }), let seen = kubelet.deletionSeen(next.uid) else { return nil }
            return seconds(seen - next.written)
        }

        /// Actions of one replica with an action of the other between them, less than `within` seconds
        /// apart: a leader that kept acting after another took over.
        static func interleavings(_ actions: [AuditLog.Request], within: Double) -> Int {
            guard actions.count >= 3 else { return 0 }
            return (1..<(actions.count - 1)).filter { index in
                let (before, middle, after) = (actions[index - 1], actions[index], actions[index + 1])
                return before.username == after.username && middle.username != before.username
                    && after.received.timeIntervalSince(before.received) < within
            }.count
        }

        private func relists(since: Date) -> Int {
            audit.answered(byUsersStartingWith: "system:serviceaccount:\(ServiceAccounts.namespace):fault-", from: since, to: Date())
                .filter { $0.request == "list pods" }.count
        }

        /// The replica holding the Lease, once one does (a killed one's Lease runs out first).
        func leader() async throws -> OperatorReplica {
            let deadline = ContinuousClock.now + .seconds(90)
            while ContinuousClock.now < deadline {
                if let holder = try? await lease().spec.holderIdentity,
                   let replica = replicas.first(where: { $0.identity == holder && $0.process.isRunning }) {
                    return replica
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw BenchError("no replica took the Lease within 90 s:\n" + replicas.map { $0.process.tail() }.joined(separator: "\n"))
        }

        private func lease() async throws -> Lease {
            try await workload.client.get(Lease.self, name: FaultBenchmark.leaseName, namespace: namespace)
        }

        @discardableResult
        private func controlPlane(_ arguments: [String]) async throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [bench.controlPlane, "--state-dir", URL(fileURLWithPath: bench.plane.kubeconfig).deletingLastPathComponent().path] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchError("\(bench.controlPlane) \(arguments.joined(separator: " ")) failed") }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
