import Synchronization

/// The running pods' addresses, for Prometheus's HTTP service discovery (`http_sd_configs`).
public final class TargetRegistry: Sendable {
    /// One pod as a scrape target.
    public struct Target: Sendable, Equatable {
        public var namespace: String
        public var pod: String
        public var address: String
        public var port: Int
    }

    private let targets = Mutex<[String: Target]>([:])

    public init() {}

    public func set(_ uid: String, _ target: Target?) {
        targets.withLock { $0[uid] = target }
    }

    /// The targets in http_sd's JSON: one group per pod, labelled with its namespace and name.
    public func discoveryJSON() -> String {
        let groups = targets.withLock { Array($0.values) }
            .sorted { ($0.namespace, $0.pod) < ($1.namespace, $1.pod) }
            .map { #"{"targets":["\#($0.address):\#($0.port)"],"labels":{"namespace":"\#($0.namespace)","pod":"\#($0.pod)"}}"# }
        return "[" + groups.joined(separator: ",") + "]"
    }

    public var count: Int { targets.withLock { $0.count } }
}
