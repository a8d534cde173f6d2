#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// What a pod looked like just before a destructive step: its phase and Ready condition, each
/// container's restarts and states, and its most recent Events. Kept in the Event and the status entry
/// that record the action, because the pod itself is about to go.
enum Evidence {
    /// The most Events quoted.
    static let events = 3
    /// The longest evidence kept, in characters.
    static let limit = 600

    static func of(_ pod: Pod, events: [Event]) -> String {
        var parts: [String] = []
        var head = "phase \(pod.status?.phase ?? "unknown")"
        if let ready = pod.condition("Ready") {
            head += ", Ready=\(ready.status)\(ready.reason.map { " (\($0))" } ?? "")"
        }
        parts.append(head)
        for container in pod.status?.containerStatuses ?? [] {
            var text = "\(container.name): \(container.restartCount) restarts"
            if let waiting = container.state?.waiting?.reason { text += ", waiting \(waiting)" }
            if container.state?.running != nil { text += ", running" }
            if let last = container.lastState?.terminated {
                text += ", last terminated \(last.reason ?? "") exit \(last.exitCode)"
                if let finished = last.finishedAt { text += " at \(KubernetesJSON.formatTimestamp(finished))" }
            }
            parts.append(text)
        }
        let recent = events.sorted { time($0) > time($1) }.prefix(Self.events)
        if !recent.isEmpty {
            parts.append("events: " + recent.map { event in
                let times = (event.count ?? 1) > 1 ? " x\(event.count!)" : ""
                return "\(event.reason ?? "")\(times): \(event.message ?? "")"
            }.joined(separator: " | "))
        }
        let text = parts.joined(separator: "; ")
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    private static func time(_ event: Event) -> Date { event.lastTimestamp ?? event.eventTime?.date ?? .distantPast }
}
