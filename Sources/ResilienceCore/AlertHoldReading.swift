/// What was last read of the alerts that a policy's `spec.safety.holdWhileAlerts` names: the matching
/// alerts that fire, or why the source could not be read. Pure: the operator reads the source, the
/// planner holds every action of the policy on it.
public struct AlertHoldReading: Sendable, Equatable {
    /// Where the alerts were read: `Alertmanager <url>` or `Prometheus ALERTS`.
    public var source: String
    /// The firing alerts that match an entry, each as `alertname{label="value",...}`, sorted.
    public var firing: [String]
    /// Why the source could not be read, or nil.
    public var error: String?

    public init(source: String, firing: [String] = [], error: String? = nil) {
        self.source = source
        self.firing = firing
        self.error = error
    }

    /// The firing alerts among `alerts` (each an alert's labels) that carry every label of one of
    /// `entries`, described and sorted.
    public static func matching(_ alerts: [[String: String]], entries: [[String: String]]) -> [String] {
        let matched = alerts.filter { labels in
            entries.contains { entry in !entry.isEmpty && entry.allSatisfy { labels[$0.key] == $0.value } }
        }
        return Set(matched.map(describe)).sorted()
    }

    /// Why every action of the policy is held now, or nil: a matching alert fires, or the source cannot
    /// be read and the policy's `onMissing` is `freeze`.
    public func holdReason(freezesOnMissing: Bool) -> String? {
        if !firing.isEmpty {
            return "\(firing.joined(separator: ", ")) \(firing.count == 1 ? "fires" : "fire") (\(source), spec.safety.holdWhileAlerts): no action until \(firing.count == 1 ? "it is" : "they are") resolved"
        }
        if let error, freezesOnMissing {
            return "the alerts of spec.safety.holdWhileAlerts cannot be read from \(source) (\(error)) and onMissing is freeze: no action until they can"
        }
        return nil
    }

    private static func describe(_ labels: [String: String]) -> String {
        let name = labels["alertname"] ?? "alert"
        let rest = labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
        return rest.isEmpty ? name : "\(name){\(rest.joined(separator: ","))}"
    }
}
