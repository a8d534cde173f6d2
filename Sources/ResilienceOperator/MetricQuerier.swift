#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import KubernetesAPI
import Logging
import NIOCore
import OperatorRuntime
import ResilienceCore
import Synchronization

/// Runs the metric rules' queries against Prometheus's HTTP API (instant queries), for the policies that
/// have metric rules, each at its own interval, and keeps each pod's latest value by its `pod` label. A failed
/// query leaves the rule's samples unknown for every pod, with the error.
public final class MetricQuerier: Sendable {
    /// One policy's latest results.
    public struct Results: Sendable {
        public var metrics: [String: [String: MetricSample]] = [:]
        public var errors: [String: String] = [:]
    }

    private let caches: OperatorCaches
    private let prometheus: String
    private let interval: Duration
    private let logger: Logger
    private let http = HTTPClient.shared
    private let results = Mutex<[ObjectKey: Results]>([:])
    private let wakeup = Wakeup()

    /// - Parameter prometheus: Prometheus's base URL, such as `http://prometheus.monitoring:9090`.
    public init(caches: OperatorCaches, prometheus: String, interval: Duration, logger: Logger) {
        self.caches = caches
        self.prometheus = prometheus.hasSuffix("/") ? String(prometheus.dropLast()) : prometheus
        self.interval = interval
        self.logger = logger
    }

    public func results(for policy: ObjectKey) -> Results {
        results.withLock { $0[policy] ?? Results() }
    }

    /// Tells the querier that a policy changed: one may have gained or lost a metric rule.
    public func policiesChanged() {
        wakeup.signal()
    }

    /// Queries until cancelled, each rule at its own `interval` (default: the operator's); `updated`
    /// hears of every policy whose results were refreshed. Prometheus offers no watch, so between rounds
    /// it sleeps until the next rule is due, and with no metric rule, until a policy changes.
    public func run(updated: @escaping @Sendable (ObjectKey) async -> Void) async {
        var lastRun: [String: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            var nextDue: ContinuousClock.Instant?
            let policies = caches.policies.store.list()
            let current = Set(policies.compactMap { ObjectKey($0.metadata) })
            results.withLock { $0 = $0.filter { current.contains($0.key) } }
            var live: Set<String> = []
            for policy in policies {
                // A suspended policy is not judged: its metrics are not queried.
                guard let key = ObjectKey(policy.metadata), policy.spec.suspend != true, let rules = policy.spec.health?.metrics, !rules.isEmpty else { continue }
                var refreshed = false
                for rule in rules {
                    let id = "\(key)/\(rule.name)"
                    live.insert(id)
                    let every = rule.interval.flatMap(PolicyDuration.init).map(\.duration) ?? interval
                    if let last = lastRun[id], ContinuousClock.now - last < every {
                        nextDue = min(nextDue ?? last + every, last + every)
                        continue
                    }
                    lastRun[id] = .now
                    nextDue = min(nextDue ?? .now + every, .now + every)
                    let outcome: Result<[String: MetricSample], any Error>
                    do { outcome = .success(try await query(rule.query)) } catch { outcome = .failure(error) }
                    results.withLock { all in
                        var found = all[key] ?? Results()
                        switch outcome {
                        case .success(let samples): found.metrics[rule.name] = samples; found.errors[rule.name] = nil
                        case .failure(let error): found.metrics[rule.name] = nil; found.errors[rule.name] = "\(error)"
                        }
                        found.metrics = found.metrics.filter { name, _ in rules.contains { $0.name == name } }
                        found.errors = found.errors.filter { name, _ in rules.contains { $0.name == name } }
                        all[key] = found
                    }
                    refreshed = true
                }
                if refreshed { await updated(key) }
            }
            lastRun = lastRun.filter { live.contains($0.key) }
            await wakeup.wait(until: nextDue)
        }
    }

    private func query(_ promql: String) async throws -> [String: MetricSample] {
        let url = "\(prometheus)/api/v1/query" + QueryString.encode([("query", promql)])
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        guard response.status.code == 200 else { throw QueryError(message: "Prometheus answered \(response.status.code): \(String(buffer: body).prefix(300))") }
        let answer = try JSONDecoder().decode(Answer.self, from: Data(body.readableBytesView))
        var samples: [String: MetricSample] = [:]
        for series in answer.data.result {
            guard let pod = series.metric["pod"], series.value.count == 2,
                  case .number(let time) = series.value[0], case .string(let text) = series.value[1], let value = Double(text), value.isFinite
            else { continue }
            samples[pod] = MetricSample(value: value, time: Date(timeIntervalSince1970: time))
        }
        return samples
    }

    private struct QueryError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// An instant query's answer: a vector of series, each `[time, "value"]`.
    private struct Answer: Decodable {
        var data: Body
        struct Body: Decodable { var result: [Series] }
        struct Series: Decodable {
            var metric: [String: String]
            var value: [JSONValue]
        }
    }
}
