import KubernetesAPI

/// The limits that keep recovery from making an outage worse.
public struct SafetyLimits: Codable, Sendable, Equatable {
    /// At most `count` actions within `window`.
    public var maxActions: ActionBudget?
    /// Disruptions not yet replaced by a Ready pod.
    public var maxInFlight: Int?
    /// The pause after an action before the next.
    public var cooldown: String?
    /// Never act if it would leave fewer healthy pods (a percentage or a count).
    public var minHealthy: IntOrString?
    /// Above this share unhealthy the failure is systemic: alert only.
    public var maxUnhealthy: IntOrString?
    /// Alerts that hold every action while they fire.
    public var holdWhileAlerts: AlertHold?
    /// When actions are allowed or denied.
    public var windows: [Window]?

    public init() {}

    /// A maintenance window or a freeze: it opens when `schedule` fires and lasts `duration`.
    public struct Window: Codable, Sendable, Equatable {
        /// Cron's five fields, in `timeZone`'s wall-clock time.
        public var schedule: String
        public var duration: String
        /// An IANA time zone name; UTC when absent.
        public var timeZone: String?
        /// `deny` (no action inside it, the default) or `allow` (actions only inside allow windows).
        public var type: String?

        public init(schedule: String, duration: String, timeZone: String? = nil, type: String? = nil) {
            self.schedule = schedule
            self.duration = duration
            self.timeZone = timeZone
            self.type = type
        }
    }

    /// Alerts that hold every action while they fire (a regional outage, a cluster upgrade).
    public struct AlertHold: Codable, Sendable, Equatable {
        /// Each: labels an alert must all carry; a firing alert matching any entry holds.
        public var alerts: [[String: String]]
        /// Where the firing alerts are read; without it, Prometheus's `ALERTS` series.
        public var alertmanager: AlertingConfig.Alertmanager?
        /// `freeze` (hold when the source cannot be read) or `ignore`.
        public var onMissing: String?

        public init(alerts: [[String: String]], alertmanager: AlertingConfig.Alertmanager? = nil, onMissing: String? = nil) {
            self.alerts = alerts
            self.alertmanager = alertmanager
            self.onMissing = onMissing
        }
    }

    /// A count of actions per window.
    public struct ActionBudget: Codable, Sendable, Equatable {
        public var count: Int
        public var window: String
    }
}
