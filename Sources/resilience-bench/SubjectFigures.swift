import Foundation

/// What `resilience-bench operator` measured of one subject (the operator, or the client-go baseline).
struct SubjectFigures: Codable {
    /// Latencies from the status write that made a pod crash-loop to the bench's watch seeing it marked
    /// for deletion, in milliseconds.
    struct Latencies: Codable {
        var faults: Int
        var acted: Int
        var p50: Double
        var p95: Double
        var p99: Double
        var max: Double
        /// From the first write of the burst to the last action seen.
        var allActedWithin: Double

        init(_ samples: [Double], faults: Int, span: Double) {
            let sorted = samples.sorted()
            func at(_ share: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * share).rounded(.up)))] }
            self.faults = faults
            acted = sorted.count
            p50 = at(0.5)
            p95 = at(0.95)
            p99 = at(0.99)
            max = sorted.last ?? 0
            allActedWithin = span
        }
    }

    var name: String
    /// From the process's start to its caches synced (the baseline's "synced" line, the operator's /readyz).
    var initialSyncSeconds: Double
    var single: Latencies
    var burst10: Latencies
    var burst100: Latencies
    /// From SIGTERM, sent right after the burst of 100, to the exit: a term ending with its reports still
    /// queued (the operator drains them for at most 5 s each).
    var stopSeconds: Double
    var residentSteadyMiB: Double
    var residentPeakMiB: Double
    /// The anonymous part of resident memory (heap and stacks; the rest is the binary's own pages).
    var anonymousMiB: Double
    var cpuSecondsPer1000Updates: Double
    var cpuSecondsIdleMinute: Double
    /// CPU over the single-fault phase per fault: the reaction and all that follows it (the pod's
    /// replacement coming Ready, the status and Events written), on the cores the API server shares.
    var cpuMillisecondsPerFault: Double
    /// What the API server allocated over the single-fault phase per fault, in MiB, and the garbage
    /// collections it ran in that phase (its /metrics; zero when they cannot be read).
    var apiServerMiBPerFault: Double
    var apiServerCollections: Double
    /// The API server's CPU over the single-fault phase per fault, in ms (its /metrics): on the two cores
    /// the subject shares with it, what each fault's reaction and aftermath cost the server.
    var apiServerCPUMillisecondsPerFault: Double
    /// API requests in the single-fault phase per action taken, and by verb and resource.
    var requestsPerAction: Double
    var requests: [String: Int]
    /// In the single-fault phase, how long the API server took over each action request (from the audit
    /// log's received and answered times): the part of a fault's latency that is the server's.
    var actionInServer: Latencies
    /// In the single-fault phase, from the bench sending the status write to the API server receiving the
    /// action (the audit log's received time): the subject's own part, its watch, its judgement and its
    /// client, with the write and the watch's delivery that both subjects share.
    var actionArrival: Latencies
    /// The single faults split by whether another request of the subject's own (a status write, an
    /// Event) was in the API server within ``SubjectFigures/sharedWindow`` of the fault's write: what the
    /// subject's write-behind costs a reaction on cores it shares with the server.
    var singleSharingServer: Latencies
    var singleNotSharingServer: Latencies
    /// How long after a fault's write another request in the server counts as sharing it with the
    /// reaction: about client-go's p50 from write to action here.
    static let sharedWindow: TimeInterval = 0.020
    /// Each single fault, for reading one against the subject's log (kept beside the JSON) and the audit
    /// log: the slow ones are the ones to explain.
    var singleFaults: [Fault]

    /// One single fault, its times on the wall clock the logs keep.
    struct Fault: Codable {
        /// `namespace/name`.
        var pod: String
        /// When the bench sent the status write that made it crash-loop.
        var written: Date
        /// When the API server received the action on it (the audit log), if it did.
        var actionReceived: Date?
        /// From the write to the bench's watch seeing the pod marked for deletion, in milliseconds; nil
        /// when it was not acted on within 10 s.
        var latency: Double?
    }
}
