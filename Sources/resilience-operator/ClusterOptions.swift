import ArgumentParser
import KubernetesClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a command reaches the cluster.
struct ClusterOptions: ParsableArguments {
    @Option(help: "The kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context (default: its current-context).")
    var context: String?

    @Flag(help: "Accept a cluster whose kubeconfig sets insecure-skip-tls-verify.")
    var allowInsecureTLS = false

    func clientConfiguration() throws -> ClientConfiguration {
        try ConfigurationLoader.load(
            kubeconfig: kubeconfig, context: context, allowInsecure: allowInsecureTLS,
            environment: ProcessInfo.processInfo.environment)
    }
}
