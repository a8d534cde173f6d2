import ArgumentParser
import CommandSupport
import KubernetesAPI
import KubernetesClient

/// `resilience-operator check`: connects as the operator would and lists the cluster's namespaces.
///
/// Errors (an unusable kubeconfig, an untrusted server certificate, a refused request) are printed on
/// standard error as one line naming the file, field or request, and the exit code is 1.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Connect to the cluster (verifying its certificate) and list its namespaces."
    )

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let configuration = try cluster.clientConfiguration()
        let client = try KubernetesClient(configuration: configuration)
        let namespaces: ResourceList<Namespace>
        do {
            namespaces = try await client.list(Namespace.self)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        let names = namespaces.items.compactMap(\.metadata.name)
        print("Connected to \(configuration)")
        print("Namespaces (\(names.count)): \(names.joined(separator: ", "))")
    }
}
