/// When a pod counts as unhealthy: when any rule holds, continuously for ``for``.
public struct HealthRules: Codable, Sendable, Equatable {
    /// Ready=False for longer than this (`30s`).
    public var notReadyFor: String?
    /// Restarts within a sliding window.
    public var restarts: RestartRule?
    /// Container waiting reasons that count as unhealthy (`CrashLoopBackOff`, ...).
    public var waitingReasons: [String]?
    /// Container termination reasons that count as unhealthy (`OOMKilled`).
    public var terminatedReasons: [String]?
    /// Pending (unschedulable or stuck starting) for longer than this.
    public var pendingFor: String?
    /// An active HTTP probe the operator sends to each pod.
    public var probe: ProbeRule?
    /// Prometheus queries with one series per pod.
    public var metrics: [MetricRule]?
    /// How long a rule must hold before the pod counts as unhealthy.
    public var `for`: String?

    public init() {}
}

/// More than `limit` restarts within `window`.
public struct RestartRule: Codable, Sendable, Equatable {
    public var limit: Int
    public var window: String
}

/// An HTTP probe: `failureThreshold` failures in a row make the rule hold.
public struct ProbeRule: Codable, Sendable, Equatable {
    public var httpGet: HTTPGet
    public var period: String?
    public var timeout: String?
    public var failureThreshold: Int?

    /// The request: a path on a port of the pod's address.
    public struct HTTPGet: Codable, Sendable, Equatable {
        public var path: String?
        public var port: Int
        /// `HTTP` or `HTTPS`.
        public var scheme: String?
    }
}

/// A Prometheus query with one series per pod (a `pod` label), judged by threshold or against peers.
public struct MetricRule: Codable, Sendable, Equatable {
    public var name: String
    public var query: String
    /// Unhealthy when the pod's value is above this.
    public var above: Double?
    /// Unhealthy when the pod's value is below this.
    public var below: Double?
    /// Unhealthy when |P - E| / E exceeds this, E being the median of the other pods.
    public var deviationFromPeers: Double?
    /// `ignore`, `unhealthy` or `freeze` when a pod's sample is missing or stale.
    public var onMissing: String?
    /// How often the query runs (default: the operator's `--metrics-interval`); at most 1m, as a sample
    /// older than 2m counts as missing.
    public var interval: String?
}
