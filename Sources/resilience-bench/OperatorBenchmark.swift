import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import PodSimulator
import ResilienceCore

/// `resilience-bench operator`: how fast, how big and how busy the operator is at a given number of pods,
/// beside a client-go baseline measured in the same run on the same pods.
///
/// The bench plays the kubelet (``KubeletStandIn``): it readies the pods of `--deployments` Deployments
/// (`--pods` in all, over `--namespaces` namespaces), removes pods marked for deletion, and watches for
/// itself. Each subject runs as its own process with its own ServiceAccount token, as users run it:
/// the baseline first, then the operator (the release binary, `run`), each through the same phases:
/// initial sync; an idle minute; pod updates; single faults (one Deployment at a time, the next after
/// the last was acted on); bursts of 10 and 100 faults across Deployments. Every latency runs from the
/// status write that makes a pod crash-loop to the bench's own watch seeing the pod marked for
/// deletion. API requests per action come from the API server's audit log.
struct OperatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "operator", abstract: "The operator at scale beside a client-go baseline.")

    @Option(help: "Pods in all.")
    var pods = 10_000

    @Option(help: "Deployments in all, each with its own policy (restartPod on CrashLoopBackOff).")
    var deployments = 100

    @Option(help: "Namespaces the Deployments are spread over (1: the subjects watch one namespace; more: every namespace).")
    var namespaces = 1

    @Option(help: "Single faults, one after another.")
    var faults = 100

    @Option(help: "Seconds of the idle measurement (CPU is reported per minute).")
    var idle = 60

    @Option(help: "Pod updates (an annotation changed) for the CPU per 1,000 updates.")
    var updates = 2000

    @Option(help: "Client requests per second, for both subjects (the operator's default is 20).")
    var qps = 20.0

    @Option(help: "How both restart a pod: evict (the operator's default, honouring PodDisruptionBudgets) or delete.")
    var podRestart = "evict"

    @Flag(help: "Measure the operator first and the baseline second (the second subject runs on a plane that has served the first's faults).")
    var operatorFirst = false

    @Option(help: "The operator binary (a release build).")
    var operatorBinary = ".build-release/release/resilience-operator"

    @Option(help: "The operator's log level (debug logs each reconcile and its reason: slower, for reading a slow fault or a slow stop).")
    var operatorLogLevel = "info"

    @Option(help: "The client-go baseline (hack/control-plane.sh baseline builds it).")
    var baselineBinary = "\(ProcessInfo.processInfo.environment["HOME"] ?? "")/.cache/resilience-operator/kubernetes-1.20.2/bin/client-go-remediator"

    @Option(help: "Where the JSON result goes.")
    var json = ".build-release/bench/operator.json"

    @Option(help: "What the table's machine line says (default: the CPU model and core count).")
    var machine: String?

    @OptionGroup var plane: PlaneOptions

    func run() async throws {
        let admin = try KubeConfig.load(path: plane.kubeconfig)
        var configuration = try admin.configuration()
        configuration.qps = 5000
        configuration.burst = 10000
        let client = try KubernetesClient(configuration: configuration)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("resilience-bench-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let audit = AuditLog(path: URL(fileURLWithPath: plane.kubeconfig).deletingLastPathComponent().appendingPathComponent("logs/audit.log").path)

        let workload = try await BenchWorkload.prepare(client: client, namespaces: namespaces, deployments: deployments, prefix: "bench-op", logger: logger)
        let standIn = Task { await workload.kubelet.run() }
        do {
            try await measure(workload, admin: admin, audit: audit, work: work)
        } catch {
            try? await workload.cleanUp(timeout: .seconds(Int64(120 + pods / 50)))
            standIn.cancel()
            throw error
        }
        try await workload.cleanUp(timeout: .seconds(Int64(120 + pods / 50)))
        standIn.cancel()
        try await client.shutdown()
    }

    private func measure(_ workload: BenchWorkload, admin: KubeConfig, audit: AuditLog, work: String) async throws {
        let (client, spaces) = (workload.client, workload.spaces)
        let replicas = max(1, pods / deployments)
        say("populating: \(deployments * replicas) pods in \(deployments) Deployments over \(spaces.count) namespaces")
        let populating = ContinuousClock.now
        try await workload.populate(replicas: replicas)
        say("populated in \(seconds(.now - populating)) s")

        let tokens = try await ServiceAccounts(client: client).tokens(for: ["baseline", "operator"])
        var figures: [String: SubjectFigures] = [:]
        for subject in operatorFirst ? ["operator", "baseline"] : ["baseline", "operator"] {
            let kubeconfig = try ServiceAccounts.kubeconfig(admin: admin, token: tokens[subject]!, to: "\(work)/\(subject).kubeconfig")
            figures[subject] = try await measure(subject, kubeconfig: kubeconfig, workload: workload, replicas: replicas, audit: audit, work: work)
        }
        let result = OperatorBenchResult(
            machine: machine ?? machineDescription(), pods: deployments * replicas, deployments: deployments, namespaces: spaces.count,
            qps: qps, podRestart: podRestart, operatorFirst: operatorFirst, baseline: figures["baseline"]!, subject: figures["operator"]!)
        say(result.table)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: json).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try result.json().write(to: URL(fileURLWithPath: json))
        say("JSON: \(json)")
    }

    // MARK: One subject

    private func measure(
        _ subject: String, kubeconfig: String, workload: BenchWorkload, replicas: Int, audit: AuditLog, work: String
    ) async throws -> SubjectFigures {
        let (client, kubelet, targets) = (workload.client, workload.kubelet, workload.targets)
        let scope = namespaces == 1 ? targets[0].namespace : nil
        // The last subject's faults are replaced and Ready before this one starts: its idle minute is idle.
        try await waitUntil("every Deployment whole", timeout: .seconds(Int64(120 + pods / 50))) {
            kubelet.pods.store.list().filter { $0.isReady && $0.metadata.deletionTimestamp == nil }.count >= targets.count * replicas
                && kubelet.pods.store.count == targets.count * replicas
        }
        let process: MeasuredProcess
        let synced: Duration?
        if subject == "baseline" {
            process = try MeasuredProcess(
                name: subject, executable: baselineBinary,
                arguments: ["--kubeconfig", kubeconfig, "--qps", "\(qps)", "--burst", "\(Int(qps * 1.5))", "--evict=\(podRestart == "evict")"]
                    + (scope.map { ["--namespace", $0] } ?? []),
                logDirectory: work)
            synced = await process.waitForLine(containing: "synced", timeout: .seconds(300))
        } else {
            try await workload.recreatePolicies(podRestart: podRestart)
            let port = Int.random(in: 20_000...40_000)
            process = try MeasuredProcess(
                name: subject, executable: operatorBinary,
                arguments: ["run", "--kubeconfig", kubeconfig, "--qps", "\(qps)", "--metrics-address", "127.0.0.1:\(port)", "--log-level", operatorLogLevel]
                    + (scope.map { ["--namespace", $0] } ?? []),
                logDirectory: work)
            synced = await ready(port: port, process: process, timeout: .seconds(300))
        }
        defer { process.stop() }
        guard let synced else { throw BenchError("\(subject) did not sync:\n\(process.tail())") }
        say("\(subject): synced in \(seconds(synced)) s")
        // Startup work settles first (the operator plans every policy once and writes their status).
        try await Task.sleep(for: .seconds(10))

        // Idle: nothing changes.
        let idleStart = process.cpuSeconds
        try await Task.sleep(for: .seconds(Int64(idle)))
        let idleCPU = (process.cpuSeconds - idleStart) * 60 / Double(idle)
        say("\(subject): \(String(format: "%.3f", idleCPU)) CPU seconds over an idle minute")

        // Pod updates that need no action: an annotation changed on `updates` pods.
        let updated = Array(kubelet.pods.store.list().prefix(updates))
        let updatesStart = process.cpuSeconds
        try await forEach(updated, concurrency: 32) { pod in
            let patch = #"{"metadata":{"annotations":{"bench.resilience.dev/tick":"\#(UInt32.random(in: 0...UInt32.max))"}}}"#
            _ = try? await client.patch(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace, .merge(Array(patch.utf8)))
        }
        try await Task.sleep(for: .seconds(3))
        let perThousand = (process.cpuSeconds - updatesStart) * 1000 / Double(max(1, updated.count))
        say("\(subject): \(String(format: "%.3f", perThousand)) CPU seconds per 1,000 pod updates")

        // Single faults: each Deployment in turn, the next once the last was acted on.
        let singleFrom = Date()
        let serverBefore = await APIServerRuntime.read(client)
        let singleCPU = process.cpuSeconds
        var single: [Double] = []
        var written: [String: Date] = [:]
        var samples: [FaultSample] = []
        for index in 0..<faults {
            let target = targets[index % targets.count]
            if let sample = try await fault([target], client: client, kubelet: kubelet, replicas: replicas).first {
                written[sample.pod] = sample.written
                samples.append(sample)
                if let latency = sample.latency { single.append(latency) }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let cpuPerFault = (process.cpuSeconds - singleCPU) * 1000 / Double(faults)
        let serverAfter = await APIServerRuntime.read(client)
        var (serverMiB, collections, serverCPU) = (0.0, 0.0, 0.0)
        if let before = serverBefore, let after = serverAfter {
            serverMiB = (after.allocatedBytes - before.allocatedBytes) / 1_048_576 / Double(faults)
            collections = after.collections - before.collections
            serverCPU = (after.cpuSeconds - before.cpuSeconds) * 1000 / Double(faults)
        }
        let requests = audit.requests(by: "system:serviceaccount:resilience-bench:\(subject)", from: singleFrom, to: Date().addingTimeInterval(2))
        let singles = SubjectFigures.Latencies(single, faults: faults, span: 0)
        let arrivals = requests.actionReceived.compactMap { pod, received in written[pod].map { received.timeIntervalSince($0) * 1000 } }
        var (sharing, alone): ([Double], [Double]) = ([], [])
        for sample in samples {
            guard let latency = sample.latency else { continue }
            let window = sample.written...sample.written.addingTimeInterval(SubjectFigures.sharedWindow)
            if requests.others.contains(where: { $0.overlaps(window) }) { sharing.append(latency) } else { alone.append(latency) }
        }
        say("\(subject): single faults p50 \(singles.p50) ms, p95 \(singles.p95) ms, \(singles.acted)/\(faults) acted on")

        // Bursts: 10, then 100 Deployments at once (policies recreated, so no cooldown or episode carries over).
        var bursts: [SubjectFigures.Latencies] = []
        for size in [10, 100] {
            if subject == "operator" {
                try await workload.recreatePolicies(podRestart: podRestart)
                // As at startup, the operator's work on new policies (its finalizer, the first status)
                // settles before the faults: the burst measures reaction to faults, not that backlog.
                try await workload.waitUntilPoliciesTakenUp()
            }
            let chosen = Array(targets.shuffled().prefix(size))
            let started = ContinuousClock.now
            let latencies = try await fault(chosen, client: client, kubelet: kubelet, replicas: replicas).compactMap(\.latency)
            let span = latencies.count == chosen.count ? milliseconds(.now - started) : 0
            bursts.append(SubjectFigures.Latencies(latencies, faults: chosen.count, span: latencies.count == chosen.count ? (latencies.max() ?? span) : 0))
            say("\(subject): burst of \(chosen.count): \(latencies.count) acted on, all within \(bursts.last!.allActedWithin) ms")
        }
        let memory = process.memory
        let actions = single.count
        // A stop as the kubelet asks for one, with what the bursts left to tell and write still queued.
        let stopped = process.stop()
        say("\(subject): stopped \(seconds(stopped)) s after SIGTERM")
        // The subject's log beside the JSON, to read its slow faults and its stop in.
        let kept = URL(fileURLWithPath: json).deletingPathExtension().path + ".\(subject).log"
        try? FileManager.default.removeItem(atPath: kept)
        try? FileManager.default.copyItem(atPath: process.logPath, toPath: kept)
        return SubjectFigures(
            name: subject, initialSyncSeconds: seconds(synced), single: singles, burst10: bursts[0], burst100: bursts[1],
            stopSeconds: seconds(stopped), residentSteadyMiB: Double(memory.resident) / 1_048_576, residentPeakMiB: Double(memory.peak) / 1_048_576,
            anonymousMiB: Double(memory.anonymous) / 1_048_576,
            cpuSecondsPer1000Updates: perThousand, cpuSecondsIdleMinute: idleCPU, cpuMillisecondsPerFault: cpuPerFault,
            apiServerMiBPerFault: serverMiB, apiServerCollections: collections, apiServerCPUMillisecondsPerFault: serverCPU,
            requestsPerAction: actions == 0 ? 0 : Double(requests.counts.values.reduce(0, +)) / Double(actions), requests: requests.counts,
            actionInServer: SubjectFigures.Latencies(requests.actionMilliseconds, faults: requests.actionMilliseconds.count, span: 0),
            actionArrival: SubjectFigures.Latencies(arrivals, faults: arrivals.count, span: 0),
            singleSharingServer: SubjectFigures.Latencies(sharing, faults: sharing.count, span: 0),
            singleNotSharingServer: SubjectFigures.Latencies(alone, faults: alone.count, span: 0),
            singleFaults: samples.map { .init(pod: $0.pod, written: $0.written, actionReceived: requests.actionReceived[$0.pod], latency: $0.latency) })
    }

    /// One fault: its pod ("namespace/name"), when its status write was sent (the wall clock the audit log
    /// keeps), and its latency in milliseconds (nil: not acted on within 10 s).
    private struct FaultSample: Sendable {
        var pod: String
        var written: Date
        var latency: Double?
    }

    /// Makes one Ready pod of each target crash-loop, all at once, once each target is whole again; each
    /// fault's latency to the action seen, in milliseconds (a fault not acted on within 10 s counts as missed).
    private func fault(_ chosen: [(namespace: String, name: String)], client: KubernetesClient, kubelet: KubeletStandIn, replicas: Int) async throws -> [FaultSample] {
        var victims: [Pod] = []
        for target in chosen {
            do {
                try await waitUntil("\(target.namespace)/\(target.name) whole again", timeout: .seconds(60)) {
                    kubelet.readyPods(namespace: target.namespace, app: target.name).count >= replicas
                }
            } catch let error as BenchError {
                throw BenchError("\(error), \(kubelet.describe(namespace: target.namespace, app: target.name, replicas: replicas))")
            }
            if let pod = kubelet.readyPods(namespace: target.namespace, app: target.name).randomElement() { victims.append(pod) }
        }
        return try await withThrowingTaskGroup(of: FaultSample.self) { group in
            for pod in victims {
                group.addTask {
                    let key = "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"
                    let (wall, written) = (Date(), ContinuousClock.now)
                    _ = try await client.patch(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace,
                                               .merge(Array(KubeletStandIn.crashLoop.utf8)), subresource: "status")
                    let seen = await kubelet.deletionSeen(pod.metadata.uid ?? "", timeout: .seconds(10))
                    return FaultSample(pod: key, written: wall, latency: seen.map { milliseconds($0 - written) })
                }
            }
            var samples: [FaultSample] = []
            for try await sample in group { samples.append(sample) }
            return samples
        }
    }

    /// The operator's /readyz answering 200 (caches synced); the time from its start.
    private func ready(port: Int, process: MeasuredProcess, timeout: Duration) async -> Duration? {
        let deadline = ContinuousClock.now + timeout
        let url = URL(string: "http://127.0.0.1:\(port)/readyz")!
        while ContinuousClock.now < deadline, process.isRunning {
            if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 {
                return .now - process.started
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }
}
