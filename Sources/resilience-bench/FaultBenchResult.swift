import Foundation

/// One run of `resilience-bench faults`: a row per fault injected, and the soak's memory by minute.
struct FaultBenchResult: Codable {
    /// One kind of fault, injected `injections` times while pods kept failing.
    struct Row: Codable {
        var fault: String
        var injections: Int
        /// Faults written while it was injected (each a pod made to crash-loop): one action each.
        var expected: Int
        /// Of those, acted on (the pod evicted) by the end of the row's recovery.
        var taken: Int
        /// Pods the API server evicted more than once (each extra eviction counts).
        var duplicated: Int
        /// Faults not acted on because a safety check refused (the loop breaker, say), by design; by the
        /// check's reason in the policy's status.
        var refused: [String: Int]
        /// Faults never acted on, with no refusal to say why.
        var lost: Int
        /// Pods acted on that no fault was written to.
        var healthyActedOn: Int
        /// Times one replica acted between two actions of the other within a lease duration.
        var twoLeadersActing: Int
        /// After each injection ended: until every fault pending then was acted on (or, with none
        /// pending, the next fault was), in seconds; the longest and the median.
        var recoverMaxSeconds: Double
        var recoverMedianSeconds: Double
        /// What shows the fault happened (relists, 429s answered, leaders), in words.
        var notes: String
    }

    /// The soak: each replica's resident and anonymous memory at the end of each minute, in MiB.
    struct SoakMinute: Codable {
        var minute: Int
        var residentMiB: [String: Double]
        var anonymousMiB: [String: Double]
    }

    var machine: String
    var pods: Int
    var deployments: Int
    var churnMilliseconds: Int
    var rows: [Row]
    var soak: [SoakMinute]

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// A Markdown table: a row per fault, then the soak's minutes.
    var table: String {
        var lines = [
            "\(pods) pods in \(deployments) Deployments, a fault every \(churnMilliseconds) ms, two replicas with leader election; \(machine)",
            "",
            "| fault | injections | actions expected | taken | duplicated | refused by a safety check | lost | healthy pods acted on | two leaders acting | time to recover (max / median) | seen |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in rows {
            let refused = row.refused.values.reduce(0, +)
            let why = row.refused.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append("| \(row.fault) | \(row.injections) | \(row.expected) | \(row.taken) | \(row.duplicated) | \(refused)\(why.isEmpty ? "" : " (\(why))") | \(row.lost) | \(row.healthyActedOn) | \(row.twoLeadersActing) | "
                         + String(format: "%.1f / %.1f s", row.recoverMaxSeconds, row.recoverMedianSeconds) + " | \(row.notes) |")
        }
        if !soak.isEmpty {
            let names = soak[0].residentMiB.keys.sorted()
            lines += ["", "| minute | " + names.map { "\($0) resident (heap), MiB" }.joined(separator: " | ") + " |",
                      "|---:|" + String(repeating: "---:|", count: names.count)]
            for minute in soak {
                lines.append("| \(minute.minute) | " + names.map {
                    String(format: "%.1f (%.1f)", minute.residentMiB[$0] ?? 0, minute.anonymousMiB[$0] ?? 0)
                }.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n")
    }
}
