#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOHTTP1
import OperatorRuntime
import Synchronization

/// One simulated pod's application: its health endpoint and its metrics, shaped by its faults.
///
/// Metrics are synthetic but consistent: requests arrive at a steady rate, and the counters only grow,
/// integrating the error ratio and latency in force over each interval, so rates computed by Prometheus
/// show exactly the injected values.
public final class PodBehaviour: Sendable {
    /// Requests per second the synthetic traffic makes.
    public static let requestRate = 20.0
    /// The latency of a healthy request, in seconds.
    public static let baseLatency = 0.02
    /// The share of a healthy pod's requests that fail: real services are rarely at zero.
    public static let baseErrorRatio = 0.01
    /// The histogram's upper bounds.
    public static let buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private struct State {
        var faults: Faults
        var healthPaths: Set<String>
        var updated: Date
        var requests = 0.0
        var errors = 0.0
        var durationSum = 0.0
        var bucketCounts = Array(repeating: 0.0, count: PodBehaviour.buckets.count)
    }

    private let state: Mutex<State>
    private let clock: @Sendable () -> Date

    public init(faults: Faults, healthPaths: Set<String>, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.clock = clock
        state = Mutex(State(faults: faults, healthPaths: healthPaths, updated: clock()))
    }

    /// Takes new faults (from an annotation change); counters carry on.
    public func update(faults: Faults, healthPaths: Set<String>) {
        let now = clock()
        state.withLock { state in
            Self.advance(&state, to: now)
            state.faults = faults
            state.healthPaths = healthPaths
        }
    }

    /// The answer to a request for `path`.
    public func answer(_ head: HTTPRequestHead) -> HTTPAnswer {
        let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
        let now = clock()
        return state.withLock { state in
            if path == "/metrics" {
                Self.advance(&state, to: now)
                return .respond(status: .ok, contentType: "text/plain; version=0.0.4", body: Self.exposition(state))
            }
            guard state.healthPaths.contains(path) else {
                return .respond(status: .notFound, contentType: "text/plain", body: "not found\n")
            }
            if state.faults.healthHang { return .hang }
            if state.faults.healthFail {
                return .respond(status: .internalServerError, contentType: "text/plain", body: "unhealthy (simulated fault)\n")
            }
            return .respond(status: .ok, contentType: "text/plain", body: "ok\n")
        }
    }

    private static func advance(_ state: inout State, to now: Date) {
        let elapsed = max(0, now.timeIntervalSince(state.updated))
        state.updated = now
        let requests = elapsed * requestRate
        let latency = state.faults.latency ?? baseLatency
        state.requests += requests
        state.errors += requests * (state.faults.errorRatio ?? baseErrorRatio)
        state.durationSum += requests * latency
        for (index, bound) in buckets.enumerated() where latency <= bound {
            state.bucketCounts[index] += requests
        }
    }

    private static func exposition(_ state: State) -> String {
        var text = """
            # HELP http_requests_total Requests served, by status code.
            # TYPE http_requests_total counter
            http_requests_total{code="200"} \(state.requests - state.errors)
            http_requests_total{code="500"} \(state.errors)
            # HELP http_request_duration_seconds How long requests took.
            # TYPE http_request_duration_seconds histogram

            """
        for (index, bound) in buckets.enumerated() {
            text += "http_request_duration_seconds_bucket{le=\"\(bound)\"} \(state.bucketCounts[index])\n"
        }
        text += "http_request_duration_seconds_bucket{le=\"+Inf\"} \(state.requests)\n"
        text += "http_request_duration_seconds_sum \(state.durationSum)\n"
        text += "http_request_duration_seconds_count \(state.requests)\n"
        return text
    }
}
