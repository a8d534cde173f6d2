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

/// Reads the firing alerts that policies' `spec.safety.holdWhileAlerts` name, every `interval`: from
/// the policy's Alertmanager (API v2: active, not silenced, not inhibited) or from Prometheus's `ALERTS`
/// series (`alertstate="firing"`). A policy's planning holds every action on the last reading; a reading
/// that differs from the one before queues the policy again, so a hold starts and lifts within an
/// interval of the alert. Neither source offers a watch, so between rounds it sleeps until the next is
/// due, and with no policy holding on alerts, until a policy changes.
public final class AlertHoldReader: Sendable {
    private let caches: OperatorCaches
    private let prometheus: String?
    private let interval: Duration
    private let logger: Logger
    private let readings = Mutex<[ObjectKey: AlertHoldReading]>([:])
    private let wakeup = Wakeup()

    /// - Parameter prometheus: Prometheus's base URL (`--prometheus-url`), for policies that name no
    ///   Alertmanager to read.
    public init(caches: OperatorCaches, prometheus: String?, interval: Duration, logger: Logger) {
        self.caches = caches
        self.prometheus = prometheus.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.interval = interval
        self.logger = logger
    }

    /// The policy's last reading, or nil before the first.
    public func reading(for policy: ObjectKey) -> AlertHoldReading? {
        readings.withLock { $0[policy] }
    }

    /// Tells the reader that a policy changed: one may have gained or lost its alerts.
    public func policiesChanged() {
        wakeup.signal()
    }

    /// Reads until cancelled; `updated` hears of each policy whose reading changed.
    public func run(updated: @escaping @Sendable (ObjectKey) async -> Void) async {
        var lastRead: [ObjectKey: (ContinuousClock.Instant, SafetyLimits.AlertHold)] = [:]
        while !Task.isCancelled {
            var nextDue: ContinuousClock.Instant?
            var live: Set<ObjectKey> = []
            for policy in caches.policies.store.list() {
                guard let key = ObjectKey(policy.metadata), policy.spec.suspend != true, let hold = policy.spec.safety?.holdWhileAlerts else { continue }
                live.insert(key)
                // A changed hold is read at once; an unchanged one at the interval.
                if let (last, read) = lastRead[key], read == hold, ContinuousClock.now - last < interval {
                    nextDue = min(nextDue ?? last + interval, last + interval)
                    continue
                }
                lastRead[key] = (.now, hold)
                nextDue = min(nextDue ?? .now + interval, .now + interval)
                let reading = await Self.read(hold, prometheus: prometheus)
                let changed = readings.withLock { all in
                    defer { all[key] = reading }
                    return all[key] != reading
                }
                if changed {
                    if let error = reading.error {
                        logger.warning("cannot read the alerts a policy holds on", metadata: ["policy": "\(key)", "source": "\(reading.source)", "error": "\(error)"])
                    } else {
                        logger.info("alerts a policy holds on", metadata: ["policy": "\(key)", "firing": "\(reading.firing)"])
                    }
                    await updated(key)
                }
            }
            lastRead = lastRead.filter { live.contains($0.key) }
            readings.withLock { $0 = $0.filter { live.contains($0.key) } }
            await wakeup.wait(until: nextDue)
        }
    }

    /// Reads the firing alerts `hold` names once, from its Alertmanager or else from Prometheus's `ALERTS`
    /// at `prometheus` (also for `resilience-operator plan`).
    public static func read(_ hold: SafetyLimits.AlertHold, prometheus: String?) async -> AlertHoldReading {
        let source: String
        let url: String
        if let alertmanager = hold.alertmanager?.url {
            let base = alertmanager.hasSuffix("/") ? String(alertmanager.dropLast()) : alertmanager
            source = "Alertmanager \(base)"
            url = "\(base)/api/v2/alerts" + QueryString.encode([("active", "true"), ("silenced", "false"), ("inhibited", "false")])
        } else if let prometheus {
            source = "Prometheus ALERTS"
            url = "\(prometheus)/api/v1/query" + QueryString.encode([("query", #"ALERTS{alertstate="firing"}"#)])
        } else {
            return AlertHoldReading(source: "Prometheus ALERTS", error: "no alertmanager in holdWhileAlerts and the operator runs without --prometheus-url")
        }
        do {
            let response = try await OutboundHTTP.client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
            guard response.status.code == 200 else {
                return AlertHoldReading(source: source, error: "answered \(response.status.code): \(String(buffer: body).prefix(200))")
            }
            let data = Data(body.readableBytesView)
            let alerts: [[String: String]]
            if hold.alertmanager != nil {
                alerts = try JSONDecoder().decode([AlertmanagerAlert].self, from: data).map(\.labels)
            } else {
                alerts = try JSONDecoder().decode(PrometheusAnswer.self, from: data).data.result.map(\.metric)
            }
            return AlertHoldReading(source: source, firing: AlertHoldReading.matching(alerts, entries: hold.alerts))
        } catch {
            return AlertHoldReading(source: source, error: "\(error)")
        }
    }

    /// An alert as Alertmanager's API v2 lists it: its labels are what matters here.
    private struct AlertmanagerAlert: Decodable {
        var labels: [String: String]
    }

    /// Prometheus's answer to an instant query: a vector of series, each with its labels.
    private struct PrometheusAnswer: Decodable {
        var data: Body
        struct Body: Decodable { var result: [Series] }
        struct Series: Decodable { var metric: [String: String] }
    }
}
