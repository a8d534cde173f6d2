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

/// Tells people what the operator did, after the fact and off the reconciler's path: Events (quoting,
/// for a pod it disrupted, the pod's recent Events as evidence), Alertmanager and webhooks.
///
/// Every call returns at once; the work waits in a bounded ``BackgroundQueue``, so a slow API server or
/// a black-holed receiver delays the telling, never the next action.
public final class Notifier: Sendable {
    private let client: KubernetesClient
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
        self.client = client
        self.events = events
        self.webhooks = WebhookSender(client: client)
        self.queue = BackgroundQueue(name: "notifications", metrics: metrics)
        self.logger = logger
    }

    /// Sends until the task is cancelled.
    public func run() async {
        await queue.run()
    }

    /// Sends what is still queued, even when the calling task is cancelled, for at most `limit`.
    public func drain(within limit: Duration) async {
        await queue.drain(within: limit)
    }

    /// Records an Event about `object`.
    public func record(_ object: ObjectReference, type: EventRecorder.EventType, reason: String, action: String, message: String) {
        let events = self.events
        queue.submit { await events.record(object, type: type, reason: reason, action: action, message: message) }
    }

    /// Records the Events of an action carried out: on the policy, the Deployment and the pod it aimed at.
    /// For a pod it removed or isolated, the evidence (the pod's state as last seen, and its recent
    /// Events, read now) goes into the policy's and the pod's Events.
    func acted(
        policy: ObjectReference, deployment: ObjectReference, pod: ObjectReference?, lastSeen: Pod?,
        type: EventRecorder.EventType, step: String, what: String, reason: String
    ) {
        let events = self.events
        let client = self.client
        let logger = self.logger
        queue.submit {
            var said = ""
            if let lastSeen, let name = lastSeen.metadata.name, let namespace = lastSeen.metadata.namespace {
                var options = ListOptions()
                options.fieldSelector = "involvedObject.kind=Pod,involvedObject.name=\(name)"
                var found: [Event] = []
                do {
                    found = try await client.list(Event.self, namespace: namespace, options: options).items
                } catch where Task.isCancelled {
                    // The term ended and its drain ran out: the Events go without the pod's own.
                } catch {
                    logger.warning("cannot read a pod's Events for the evidence", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
                }
                let evidence = Evidence.of(lastSeen, events: found.filter { $0.involvedObject.uid == nil || $0.involvedObject.uid == lastSeen.metadata.uid })
                said = " Evidence: \(evidence)"
            }
            await events.record(policy, type: .normal, reason: "ActionSucceeded", action: step, message: "\(what): \(reason)\(said)")
            await events.record(deployment, type: type, reason: "Resilience\(step.prefix(1).uppercased())\(step.dropFirst())", action: step, message: "\(what): \(reason)")
            if let pod {
                await events.record(pod, type: .warning, reason: ["isolate": "Isolated", "release": "Released"][step] ?? "Restarted", action: step, message: "\(reason)\(said)")
            }
        }
    }

    /// Raises an alert: an Event on the policy, then Alertmanager and the webhooks the policy names (the
    /// same alert, numbers aside, goes to the webhooks again only after ``webhookRepeat``).
    func alert(_ summary: String, target: String, policy: ResiliencePolicy) {
        guard let key = ObjectKey(policy.metadata) else { return }
        let reference = ObjectReference(policy)
        let alerting = policy.spec.alerting
        let events = self.events, alerts = self.alerts, webhooks = self.webhooks, logger = self.logger
        var due = alerting?.webhooks ?? []
        if !due.isEmpty {
            let signature = "\(key)|\(target)|\(summary.filter { !$0.isNumber })"
            let now = Date()
            let repeated = webhookSent.withLock { sent -> Bool in
                sent = sent.filter { now.timeIntervalSince($0.value) < Self.webhookRepeat }
                guard sent[signature] == nil else { return true }
                sent[signature] = now
                return false
            }
            if repeated { due = [] }
        }
        let hooks = due
        queue.submit {
            await events.record(reference, type: .warning, reason: "Alert", action: "Alert", message: summary)
            if let url = alerting?.alertmanager?.url {
                do {
                    try await alerts.send(summary: summary, policy: key, target: target, to: url)
                } catch {
                    logger.warning("cannot alert", metadata: ["policy": "\(key)", "alertmanager": "\(url)", "error": "\(error)"])
                    await events.record(reference, type: .warning, reason: "AlertFailed", action: "Alert", message: "\(error)")
                }
            }
            guard !hooks.isEmpty else { return }
            for failure in await webhooks.send(summary: summary, policy: key, target: target, webhooks: hooks, now: Date()) {
                logger.warning("cannot alert", metadata: ["policy": "\(key)", "error": "\(failure)"])
                await events.record(reference, type: .warning, reason: "AlertFailed", action: "Alert", message: "\(failure)")
            }
        }
    }
}
