import ArgumentParser
import Foundation

/// What the benchmarks that run on the local control plane share: its kubeconfig, and the process's memory.
struct PlaneOptions: ParsableArguments {
    @Option(help: "The plane's admin kubeconfig.")
    var kubeconfig = "\(ProcessInfo.processInfo.environment["HOME"] ?? "")/.cache/resilience-operator/planes/default/admin.kubeconfig"

    /// The process's resident memory, from /proc/self/statm.
    static func residentBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        return (statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0) * 4096
    }
}
