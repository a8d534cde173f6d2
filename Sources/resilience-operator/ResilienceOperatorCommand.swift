import ArgumentParser
import KubernetesClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `resilience-operator` command line.
@main
struct ResilienceOperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resilience-operator",
        abstract: "Judges pod health and recovers Deployments, as ResiliencePolicy objects declare.",
        version: ProjectVersion.current,
        subcommands: [RunCommand.self, CheckCommand.self, LeaderElectionCommand.self, PlanCommand.self]
    )

    static func main() async {
        await main(EnvironmentArguments.expand(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
    }
}
