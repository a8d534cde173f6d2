#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import Logging

/// Writes Events (`v1/Event`) about objects, as `kubectl describe` shows them.
///
/// Each Event names the involved object, a type (`Normal` or `Warning`), a reason, the action taken and
/// the reporting controller and instance. Repeats of the same Event (same object, type, reason, action and
/// message) raise the `count` and `lastTimestamp` of the one Event instead of writing a new one; an Event
/// the server has since expired is written anew. During an incident, an ``EventCorrelator`` combines
/// similar Events about one object and drops what is beyond its spam filter (a burst of 25 writes per
/// object, then one per 5 minutes), so Events never crowd out the operator's other requests.
///
/// Recording never throws: an Event that cannot be written is logged and dropped, because reporting must
/// not stop the action it reports.
///
/// RBAC: create and patch on `events` in the namespaces of the involved objects.
public actor EventRecorder {
    /// An Event's severity.
    public enum EventType: String, Sendable {
        case normal = "Normal"
        case warning = "Warning"
    }

    private let client: KubernetesClient
    private let component: String
    private let instance: String
    private let logger: Logger
    /// By ``EventCorrelator/Outcome/key``: the Event written, and its count.
    private var recent: [String: (name: String, count: Int)] = [:]
    private var correlator = EventCorrelator<ContinuousClock.Instant>()
    /// The most Events remembered for aggregation; older ones are forgotten in one sweep.
    private let capacity = 4096

    /// - Parameters:
    ///   - component: the reporting controller, such as `resilience.dev/operator`.
    ///   - instance: this process, such as its pod name.
    public init(client: KubernetesClient, component: String, instance: String, logger: Logger) {
        self.client = client
        self.component = component
        self.instance = instance
        self.logger = logger
    }

    /// Records that `action` happened (or was refused) on `object`, for `reason`.
    @discardableResult
    public func record(
        _ object: ObjectReference,
        type: EventType,
        reason: String,
        action: String,
        message: String
    ) async -> Event? {
        let short = message.utf8.count > 1024 ? String(decoding: message.utf8.prefix(1000), as: UTF8.self) + "..." : message
        guard let outcome = correlator.correlate(object, type: type.rawValue, reason: reason, action: action, message: short, at: .now) else {
            logger.debug("an Event dropped by the spam filter", metadata: ["object": "\(describe(object))", "reason": "\(reason)"])
            return nil
        }
        let key = outcome.key, message = outcome.message
        let namespace = object.namespace ?? "default"
        let now = Date()
        if let seen = recent[key] {
            let count = seen.count + 1
            do {
                let patch = try Patch.merge(encoding: CountPatch(count: count, lastTimestamp: KubernetesJSON.formatTimestamp(now), message: message))
                let event = try await client.patch(Event.self, name: seen.name, namespace: namespace, patch)
                recent[key] = (seen.name, count)
                return event
            } catch let error as KubernetesError where error.reason == .notFound {
                recent[key] = nil
            } catch where Task.isCancelled {
                return nil
            } catch {
                logger.warning("could not update an Event", metadata: ["object": "\(describe(object))", "reason": "\(reason)", "error": "\(error)"])
                return nil
            }
        }
        var event = Event(
            metadata: ObjectMeta(name: "\(object.name ?? "object").\(String(UInt64(now.timeIntervalSince1970 * 1e9), radix: 16))", namespace: namespace),
            involvedObject: object)
        event.type = type.rawValue
        event.reason = reason
        event.action = action
        event.message = message
        event.source = Event.Source(component: component)
        event.reportingComponent = component
        event.reportingInstance = instance
        event.firstTimestamp = now
        event.lastTimestamp = now
        event.count = 1
        do {
            let created = try await client.create(event)
            if recent.count >= capacity { recent = [:] }
            recent[key] = (created.metadata.name ?? "", 1)
            return created
        } catch where Task.isCancelled {
            // Stopping: the request was cut short, not refused.
            return nil
        } catch {
            logger.warning("could not write an Event", metadata: ["object": "\(describe(object))", "reason": "\(reason)", "error": "\(error)"])
            return nil
        }
    }

    private func describe(_ object: ObjectReference) -> String {
        "\(object.kind ?? "")/\(object.namespace.map { "\($0)/" } ?? "")\(object.name ?? "")"
    }

    private struct CountPatch: Encodable {
        var count: Int
        var lastTimestamp: String
        /// A combined Event shows the latest of its messages.
        var message: String
    }
}
