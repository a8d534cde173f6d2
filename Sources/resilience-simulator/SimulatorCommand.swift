import ArgumentParser
import KubernetesClient

/// The `resilience-simulator` command line: the kubelet of simulated nodes, and faults on demand. It is
/// a binary of its own so that the operator's binary and image carry none of it.
@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resilience-simulator",
        abstract: "Play the kubelet for simulated nodes on a cluster without one, and break their pods on demand.",
        version: ProjectVersion.current,
        subcommands: [SimulateCommand.self, FaultCommand.self],
        defaultSubcommand: SimulateCommand.self
    )
}
