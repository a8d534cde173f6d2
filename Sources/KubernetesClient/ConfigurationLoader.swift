#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds the configuration a command should use, in controller-runtime's order: an explicit kubeconfig,
/// else `$KUBECONFIG`, else the in-cluster service account (when `KUBERNETES_SERVICE_HOST` is set), else
/// `~/.kube/config`.
public enum ConfigurationLoader {
    /// Where Kubernetes mounts a pod's service-account token, CA and namespace.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Loads the client configuration.
    ///
    /// - Parameters:
    ///   - kubeconfig: an explicit path (a `--kubeconfig` flag), which wins.
    ///   - context: the context to use instead of the file's current-context.
    ///   - allowInsecure: accept clusters marked `insecure-skip-tls-verify`.
    ///   - environment: the process environment.
    ///   - serviceAccountDirectory: where the in-cluster credentials are.
    public static func load(
        kubeconfig: String? = nil,
        context: String? = nil,
        allowInsecure: Bool = false,
        environment: [String: String],
        serviceAccountDirectory: String = serviceAccountDirectory
    ) throws -> ClientConfiguration {
        let path: String
        if let kubeconfig, !kubeconfig.isEmpty {
            path = kubeconfig
        } else if let fromEnvironment = environment["KUBECONFIG"], !fromEnvironment.isEmpty {
            let paths = fromEnvironment.split(separator: ":").map(String.init)
            guard paths.count == 1 else {
                throw ConfigurationError("KUBECONFIG lists \(paths.count) files; merging several kubeconfig files is not supported, name one with --kubeconfig")
            }
            path = paths[0]
        } else if let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty {
            return try inCluster(environment: environment, serviceAccountDirectory: serviceAccountDirectory)
        } else if let home = environment["HOME"] {
            path = "\(home)/.kube/config"
        } else {
            throw ConfigurationError("no kubeconfig: pass --kubeconfig, or set KUBECONFIG or HOME")
        }
        return try KubeConfig.load(path: path).configuration(context: context, allowInsecure: allowInsecure)
    }

    /// The configuration of a pod's service account: the API server from `KUBERNETES_SERVICE_HOST` and
    /// `KUBERNETES_SERVICE_PORT`, the token (re-read as it rotates), the cluster CA and the namespace.
    public static func inCluster(
        environment: [String: String],
        serviceAccountDirectory: String = serviceAccountDirectory
    ) throws -> ClientConfiguration {
        let source = "in-cluster configuration"
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw ConfigurationError("\(source): KUBERNETES_SERVICE_HOST is not set (not running in a pod?)")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], let number = Int(port), (1...65535).contains(number) else {
            throw ConfigurationError("\(source): KUBERNETES_SERVICE_PORT is '\(environment["KUBERNETES_SERVICE_PORT"] ?? "")', not a port")
        }
        let tokenPath = "\(serviceAccountDirectory)/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw ConfigurationError("\(source): the service-account token \(tokenPath) cannot be read")
        }
        guard let ca = FileManager.default.contents(atPath: "\(serviceAccountDirectory)/ca.crt") else {
            throw ConfigurationError("\(source): the cluster CA \(serviceAccountDirectory)/ca.crt cannot be read")
        }
        let server = host.contains(":") ? "https://[\(host)]:\(number)" : "https://\(host):\(number)"
        var configuration = ClientConfiguration(server: server, source: source)
        configuration.certificateAuthorityPEM = Array(ca)
        configuration.token = .file(tokenPath)
        if let namespace = FileManager.default.contents(atPath: "\(serviceAccountDirectory)/namespace") {
            let name = String(decoding: namespace, as: UTF8.self).filter { !$0.isWhitespace }
            if !name.isEmpty { configuration.namespace = name }
        }
        return configuration
    }
}
