import ArgumentParser
import Foundation

/// The `resilience-operator` command line.
@main
struct ResilienceOperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resilience-operator",
        abstract: "Judges pod health and recovers Deployments, as ResiliencePolicy objects declare.",
        version: "0.1.0",
        subcommands: [RunCommand.self, CheckCommand.self, LeaderElectionCommand.self, PlanCommand.self, SimulateCommand.self, FaultCommand.self]
    )

    static func main() async {
        await main(EnvironmentArguments.expand(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
    }
}
