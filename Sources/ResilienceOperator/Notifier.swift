#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import Logging
import Metrics
import OperatorRuntime
import ResilienceCore
import Synchronization

/// Tells people what the operator did, after the fact and off the reconciler's path: Events (with, for
/// a pod it disrupted, the evidence), Alertmanager and webhooks.
///
/// Every call returns at once; the work waits in a bounded ``BackgroundQueue``, so a slow API server or
/// a black-holed receiver delays the telling, never the next action.
public final class Notifier: Sendable {
    private let events: EventRecorder
    private let alerts = AlertSender()
    private let webhooks: WebhookSender
    private let queue: BackgroundQueue
    private let logger: Logger
    /// When each alert last went to the webhooks, which do not deduplicate as Alertmanager does.
    private let webhookSent = Mutex<[String: Date]>([:])
    /// How long an alert that keeps firing waits before it goes to the webhooks again.
    static let webhookRepeat: TimeInterval = 15 * 60

    public init(client: KubernetesClient, events: EventRecorder, logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.events = events
        self.webhooks = WebhookSender(client: client)
        self.queue = BackgroundQueue(name: "notifications", metrics: metrics)
        self.logger = logger
    }

    /// Sends until the task is cancelled.
    public func run() async {
        await queue.run()
    }

    /// Sends what is still queued, even when the calling task is cancelled, for at most `limit`; what
    /// is left then is dropped, and logged.
    public func drain(within limit: Duration) async {
        let dropped = await queue.drain(within: limit)
        if dropped > 0 {
            logger.warning("notifications dropped at the end of the term: not sent within the limit", metadata: ["dropped": "\(dropped)", "limit": "\(limit)"])
        }
    }

    /// Records an Event about `object`.
    public func record(_ object: ObjectReference, type: EventRecorder.EventType, reason: String, action: String, message: String) {
        let events = self.events
        queue.submit { await events.record(object, type: type, reason: reason, action: action, message: message) }
    }

    /// Records the Events of an action carried out: on the policy, the target and the pod it aimed at.
    /// For a pod it removed or isolated, the `evidence` (``Evidence``) goes into the policy's and the
    /// pod's Events.
    func acted(
        policy: ObjectReference, workload: ObjectReference, pod: ObjectReference?, evidence: String?,
        type: EventRecorder.EventType, step: String, what: String, reason: String
    ) {
        let events = self.events
        let said = evidence.map { " Evidence: \($0)" } ?? ""
        queue.submit {
            await events.record(policy, type: .normal, reason: "ActionSucceeded", action: step, message: "\(what): \(reason)\(said)")
            await events.record(workload, type: type, reason: "Resilience\(step.prefix(1).uppercased())\(step.dropFirst())", action: step, message: "\(what): \(reason)")
            if let pod {
                await events.record(pod, type: .warning, reason: ["isolate": "Isolated", "release": "Released"][step] ?? "Restarted", action: step, message: "\(reason)\(said)")
            }
        }
    }

    /// Raises or keeps up an alert. When it starts (`first`): an Event on the policy and the webhooks the
    /// policy names (the same alert goes to them again only after ``webhookRepeat``, and counts as sent
    /// only once it was); every time: Alertmanager, which keeps it firing for 5 minutes. Alertmanager is
    /// tried again with a backoff (1 s, then 2 s) before the failure is told in an `AlertFailed` Event.
    func alert(_ condition: AlertCondition, summary: String, target: String, policy: ResiliencePolicy, first: Bool) {
        guard let key = ObjectKey(policy.metadata) else { return }
        let reference = ObjectReference(policy)
        let alerting = policy.spec.alerting
        let events = self.events, webhooks = self.webhooks, logger = self.logger
        let signature = "\(key)|\(target)|\(condition.rawValue)"
        var hooks: [AlertingConfig.Webhook] = []
        if first, let configured = alerting?.webhooks, !configured.isEmpty {
            let now = Date()
            let due = webhookSent.withLock { sent -> Bool in
                sent = sent.filter { now.timeIntervalSince($0.value) < Self.webhookRepeat }
                return sent[signature] == nil
            }
            if due { hooks = configured }
        }
        let sendHooks = hooks
        queue.submit {
            if first { await events.record(reference, type: .warning, reason: "Alert", action: condition.alertname, message: summary) }
            if let url = alerting?.alertmanager?.url {
                await self.toAlertmanager(condition, summary: summary, key: key, target: target, url: url, resolved: false, reference: reference)
            }
            guard !sendHooks.isEmpty else { return }
            let failures = await webhooks.send(condition, summary: summary, policy: key, target: target, webhooks: sendHooks, now: Date())
            // Sent: not again before the repeat. A webhook that failed is tried again when the alert is.
            if failures.isEmpty { self.webhookSent.withLock { $0[signature] = Date() } }
            for failure in failures {
                logger.warning("cannot alert", metadata: ["policy": "\(key)", "error": "\(failure)"])
                await events.record(reference, type: .warning, reason: "AlertFailed", action: "Alert", message: "\(failure)")
            }
        }
    }

    /// Ends an alert whose condition no longer holds: Alertmanager gets it with `endsAt` now (resolved at
    /// once, not 5 minutes later), and the policy an `AlertResolved` Event.
    func resolve(_ condition: AlertCondition, target: String, policy: ResiliencePolicy) {
        guard let key = ObjectKey(policy.metadata) else { return }
        let reference = ObjectReference(policy)
        let url = policy.spec.alerting?.alertmanager?.url
        let events = self.events
        webhookSent.withLock { $0["\(key)|\(target)|\(condition.rawValue)"] = nil }
        queue.submit {
            let summary = "\(target): \(condition.rawValue) no longer holds"
            await events.record(reference, type: .normal, reason: "AlertResolved", action: condition.alertname, message: summary)
            if let url { await self.toAlertmanager(condition, summary: summary, key: key, target: target, url: url, resolved: true, reference: reference) }
        }
    }

    /// Posts to Alertmanager, trying again after 1 s and 2 s; a failure after that is logged and told.
    private func toAlertmanager(
        _ condition: AlertCondition, summary: String, key: ObjectKey, target: String, url: String, resolved: Bool, reference: ObjectReference
    ) async {
        var delay: Duration = .seconds(1)
        for attempt in 1...3 {
            do {
                return try await alerts.send(condition, summary: summary, policy: key, target: target, to: url, resolved: resolved)
            } catch where attempt < 3 && !Task.isCancelled {
                try? await Task.sleep(for: delay)
                delay *= 2
            } catch {
                logger.warning("cannot alert", metadata: ["policy": "\(key)", "alertmanager": "\(url)", "error": "\(error)"])
                await events.record(reference, type: .warning, reason: "AlertFailed", action: "Alert", message: "\(error)")
            }
        }
    }
}
