import ArgumentParser
import KubernetesClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a command reaches the cluster: the options that `resilience-operator` and `resilience-simulator`
/// share.
public struct ClusterOptions: ParsableArguments {
    @Option(help: "The kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).")
    public var kubeconfig: String?

    @Option(help: "The kubeconfig context (default: its current-context).")
    public var context: String?

    @Flag(help: "Accept a cluster whose kubeconfig sets insecure-skip-tls-verify.")
    public var allowInsecureTLS = false

    public init() {}

    /// The client configuration: the kubeconfig's, or in-cluster when there is none.
    public func clientConfiguration() throws -> ClientConfiguration {
        try ConfigurationLoader.load(
            kubeconfig: kubeconfig, context: context, allowInsecure: allowInsecureTLS,
            environment: ProcessInfo.processInfo.environment)
    }
}
