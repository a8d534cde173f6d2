/// Finds the kubeconfig a command should use, as kubectl does: an explicit path, else `$KUBECONFIG`,
/// else `~/.kube/config`.
public enum ConfigurationLoader {
    /// Loads the client configuration.
    ///
    /// - Parameters:
    ///   - kubeconfig: an explicit path (a `--kubeconfig` flag), which wins.
    ///   - context: the context to use instead of the file's current-context.
    ///   - allowInsecure: accept clusters marked `insecure-skip-tls-verify`.
    ///   - environment: the process environment.
    public static func load(
        kubeconfig: String? = nil,
        context: String? = nil,
        allowInsecure: Bool = false,
        environment: [String: String]
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
        } else if let home = environment["HOME"] {
            path = "\(home)/.kube/config"
        } else {
            throw ConfigurationError("no kubeconfig: pass --kubeconfig, or set KUBECONFIG or HOME")
        }
        return try KubeConfig.load(path: path).configuration(context: context, allowInsecure: allowInsecure)
    }
}
