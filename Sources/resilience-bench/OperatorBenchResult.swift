import Foundation

/// One run of `resilience-bench operator`: the setup, the client-go baseline's figures and the
/// operator's, as JSON and as the table README keeps.
struct OperatorBenchResult: Codable {
    var machine: String
    var pods: Int
    var deployments: Int
    var namespaces: Int
    var qps: Double
    /// How both restarted pods: evict or delete.
    var podRestart: String
    /// Whether the operator was measured first (by default the baseline is).
    var operatorFirst: Bool
    var baseline: SubjectFigures
    var subject: SubjectFigures

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return try encoder.encode(self)
    }

    /// A Markdown table: each figure for the operator, the baseline, and their ratio.
    var table: String {
        var lines = [
            "\(pods) pods in \(deployments) Deployments over \(namespaces) namespace\(namespaces == 1 ? "" : "s"), client QPS \(Int(qps)), both \(podRestart == "evict" ? "evicting" : "deleting") pods, \(operatorFirst ? "the operator" : "client-go") measured first; \(machine)",
            "",
            "| figure | operator | client-go | ratio |",
            "|---|---:|---:|---:|",
        ]
        func row(_ name: String, _ value: (SubjectFigures) -> Double, _ unit: String, digits: Int = 0, compared: Bool = true) {
            let mine = value(subject), theirs = value(baseline)
            let ratio = compared && theirs > 0 ? String(format: "%.2fx", mine / theirs) : "-"
            lines.append("| \(name) | \(String(format: "%.\(digits)f", mine)) \(unit) | \(String(format: "%.\(digits)f", theirs)) \(unit) | \(ratio) |")
        }
        func counted(_ name: String, _ value: (SubjectFigures) -> SubjectFigures.Latencies) {
            lines.append("| \(name) acted on | \(value(subject).acted)/\(value(subject).faults) | \(value(baseline).acted)/\(value(baseline).faults) | |")
        }
        counted("single faults", \.single)
        row("single fault p50", \.single.p50, "ms")
        row("single fault p95", \.single.p95, "ms")
        row("single fault p99", \.single.p99, "ms")
        row("single fault max", \.single.max, "ms")
        row("from the write to the action at the API server, p50", \.actionArrival.p50, "ms", digits: 1)
        row("from the write to the action at the API server, p95", \.actionArrival.p95, "ms", digits: 1)
        row("the action request in the API server, p50", \.actionInServer.p50, "ms", digits: 1)
        row("the action request in the API server, p95", \.actionInServer.p95, "ms", digits: 1)
        // Against client-go's single faults as a whole: it makes no request but its actions.
        func split(_ name: String, _ part: (SubjectFigures) -> SubjectFigures.Latencies) {
            let mine = part(subject), whole = baseline.single
            lines.append("| single faults \(name) | \(mine.acted) | \(part(baseline).acted) | |")
            for (label, value, theirs) in [("p50", mine.p50, whole.p50), ("p95", mine.p95, whole.p95)] where mine.acted > 0 {
                let ratio = theirs > 0 ? String(format: "%.2fx", value / theirs) : "-"
                lines.append("| single faults \(name), \(label) (client-go: all) | \(Int(value)) ms | \(Int(theirs)) ms | \(ratio) |")
            }
        }
        let window = Int(SubjectFigures.sharedWindow * 1000)
        split("with another request of the subject's in the API server within \(window) ms of the write", \.singleSharingServer)
        split("with none", \.singleNotSharingServer)
        counted("burst of 10", \.burst10)
        row("burst of 10: all acted on within", \.burst10.allActedWithin, "ms")
        counted("burst of 100", \.burst100)
        row("burst of 100: all acted on within", \.burst100.allActedWithin, "ms")
        row("burst of 100 p50", \.burst100.p50, "ms")
        row("initial sync", \.initialSyncSeconds, "s", digits: 2)
        // client-go has nothing to drain: no ratio.
        row("stop after SIGTERM, after the burst of 100", \.stopSeconds, "s", digits: 2, compared: false)
        row("resident memory, steady", \.residentSteadyMiB, "MiB", digits: 1)
        row("resident memory, peak", \.residentPeakMiB, "MiB", digits: 1)
        row("resident memory, anonymous (heap)", \.anonymousMiB, "MiB", digits: 1)
        row("CPU per 1,000 pod updates", \.cpuSecondsPer1000Updates, "s", digits: 3)
        row("CPU over an idle minute", \.cpuSecondsIdleMinute, "s", digits: 3)
        row("CPU per single fault", \.cpuMillisecondsPerFault, "ms", digits: 1)
        row("API requests per action", \.requestsPerAction, "", digits: 1)
        row("API server allocation per single fault", \.apiServerMiBPerFault, "MiB", digits: 2)
        row("API server collections in the single-fault phase", \.apiServerCollections, "")
        row("API server CPU per single fault", \.apiServerCPUMillisecondsPerFault, "ms", digits: 1)
        lines.append("")
        lines.append("Operator requests in the single-fault phase: " + subject.requests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append("Baseline requests in the single-fault phase: " + baseline.requests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
