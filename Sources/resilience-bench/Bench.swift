import ArgumentParser

/// `resilience-bench`: figures for speed and memory targets, printed, never asserted by a test.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resilience-bench",
        abstract: "Print the operator's speed and memory figures (build with -c release).",
        subcommands: [StoreBenchmark.self, PlanBenchmark.self, SimulatorBenchmark.self, OperatorBenchmark.self, FaultBenchmark.self, StatusWriteBenchmark.self],
        defaultSubcommand: StoreBenchmark.self
    )
}
