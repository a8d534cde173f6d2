import KubernetesAPI
import KubernetesClient

/// The Events of a namespace once they include what a test expects: the operator tells after it acts,
/// off the action's path, so an Event may land a moment after the status that records the action.
public enum ToldEvents {
    /// The namespace's Events, once `expected` holds for them (or a failure listing them after `timeout`).
    public static func waitFor(
        _ what: String, in namespace: String, client: KubernetesClient, timeout: Duration = .seconds(20),
        _ expected: @escaping @Sendable ([Event]) -> Bool
    ) async throws -> [Event] {
        try await eventually(what, timeout: timeout, diagnose: {
            let events = (try? await client.list(Event.self, namespace: namespace).items) ?? []
            return "Events: " + events.map { "\($0.involvedObject.kind ?? "") \($0.involvedObject.name ?? "") \($0.reason ?? ""): \($0.message ?? "")" }.joined(separator: " | ")
        }) { () -> [Event]? in
            let events = try await client.list(Event.self, namespace: namespace).items
            return expected(events) ? events : nil
        }
    }
}
