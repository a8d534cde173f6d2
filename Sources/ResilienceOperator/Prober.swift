#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import KubernetesAPI
import Logging
import NIOCore
import NIOSSL
import OperatorRuntime
import ResilienceCore
import Synchronization

/// The operator's own HTTP probes: every pod of every policy with a probe rule, once a period, over real
/// TCP to the pod's address, at most `concurrency` at a time. Only the leader runs it (it runs inside the
/// operator), and a pod's change of state (passing to failing, or back) re-plans its policy.
///
/// HTTPS probes do not verify the pod's certificate, as the kubelet's do not.
public final class Prober: Sendable {
    private let caches: OperatorCaches
    private let concurrency: Int
    private let logger: Logger
    private let samples = Mutex<[String: ProbeSample]>([:])
    private let lastRound = Mutex<[ObjectKey: ContinuousClock.Instant]>([:])
    private let wakeup = Wakeup()

    public init(caches: OperatorCaches, concurrency: Int = 32, logger: Logger) {
        self.caches = caches
        self.concurrency = concurrency
        self.logger = logger
    }

    /// The latest sample of `pod`.
    public func sample(of pod: Pod) -> ProbeSample? {
        samples.withLock { samples in
            // Asked for every pod of every plan: with no probe rule anywhere, no key is built.
            samples.isEmpty ? nil : samples["\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"]
        }
    }

    /// Tells the prober that a policy changed: one may have gained or lost a probe rule.
    public func policiesChanged() {
        wakeup.signal()
    }

    /// Probes until cancelled; `changed` hears of every policy whose pods changed state. Between rounds
    /// it sleeps until the next policy's period is up, and with no policy to probe, until one changes.
    public func run(changed: @escaping @Sendable (ObjectKey) async -> Void) async {
        // The client lives as long as the rounds: AsyncHTTPClient requires a shutdown before release.
        var configuration = HTTPClient.Configuration()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        configuration.tlsConfiguration = tls
        configuration.redirectConfiguration = .disallow
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        while !Task.isCancelled {
            var nextDue: ContinuousClock.Instant?
            var probed: Set<String> = []
            for policy in caches.policies.store.list() {
                guard let key = ObjectKey(policy.metadata), let effective = try? EffectivePolicy(policy.spec), !effective.suspend,
                      let probe = effective.health.probe, let rule = policy.spec.health?.probe else { continue }
                let period = Duration.milliseconds(Int64(probe.period.seconds * 1000))
                let pods: [Pod]
                switch TargetResolver.targets(of: policy, in: caches.targets(probes: nil)) {
                case .success(let resolved): pods = resolved.targets.flatMap(\.pods)
                case .failure: continue
                }
                probed.formUnion(pods.map { "\(key.namespace)/\($0.metadata.name ?? "")" })
                let last = lastRound.withLock { $0[key] }
                if let last, ContinuousClock.now - last < period {
                    nextDue = min(nextDue ?? last + period, last + period)
                    continue
                }
                lastRound.withLock { $0[key] = .now }
                nextDue = min(nextDue ?? .now + period, .now + period)
                if await round(pods, rule: rule, probe: probe, http: http) { await changed(key) }
            }
            // Forget pods no policy probes any more.
            samples.withLock { $0 = $0.filter { probed.contains($0.key) } }
            await wakeup.wait(until: nextDue)
        }
        try? await http.shutdown()
    }

    /// Probes `pods` once; whether any crossed the failure threshold either way.
    private func round(_ pods: [Pod], rule: ProbeRule, probe: EffectivePolicy.Probe, http: HTTPClient) async -> Bool {
        let targets = pods.filter { $0.status?.phase == "Running" && $0.status?.podIP != nil && $0.metadata.deletionTimestamp == nil }
        return await withTaskGroup(of: Bool.self) { group in
            var changed = false
            var running = 0
            for pod in targets {
                if running >= concurrency, let result = await group.next() {
                    changed = changed || result
                    running -= 1
                }
                group.addTask { await self.probe(pod, rule: rule, probe: probe, http: http) }
                running += 1
            }
            for await result in group { changed = changed || result }
            return changed
        }
    }

    private func probe(_ pod: Pod, rule: ProbeRule, probe: EffectivePolicy.Probe, http: HTTPClient) async -> Bool {
        let scheme = (rule.httpGet.scheme ?? "HTTP").lowercased()
        let url = "\(scheme)://\(pod.status?.podIP ?? ""):\(rule.httpGet.port)\(rule.httpGet.path ?? "/")"
        var failure: String?
        do {
            let response = try await http.execute(HTTPClientRequest(url: url), timeout: .milliseconds(Int64(probe.timeout.seconds * 1000)))
            _ = try await response.body.collect(upTo: 64 * 1024)
            if !(200..<400).contains(response.status.code) { failure = "HTTP \(response.status.code) from \(url)" }
        } catch {
            failure = "GET \(url): \(error)"
        }
        let key = "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"
        let now = Date()
        return samples.withLock { samples in
            let first = samples[key] == nil
            let before = samples[key]?.consecutiveFailures ?? 0
            let failures = failure == nil ? 0 : before + 1
            samples[key] = ProbeSample(time: now, consecutiveFailures: failures, lastError: failure)
            let threshold = probe.failureThreshold
            return first || (before >= threshold) != (failures >= threshold)
        }
    }
}
