/// `run`'s options from the environment, for Deployments that configure by `env:`: each option
/// `--some-option` may come from `RESILIENCE_SOME_OPTION` (a flag from `true`). The command line wins.
enum EnvironmentArguments {
    static let runOptions = [
        "namespace", "leader-election-namespace", "leader-election-id", "metrics-address", "qps", "prometheus-url",
        "metrics-interval", "max-actions", "max-actions-window", "log-format", "log-level", "kubeconfig", "context",
    ]
    static let runFlags = ["leader-elect", "allow-insecure-tls"]

    /// `arguments` (without the program's name) with the environment's options added for `run`.
    static func expand(_ arguments: [String], environment: [String: String]) -> [String] {
        guard arguments.first == "run" else { return arguments }
        var expanded = arguments
        func given(_ name: String) -> Bool { arguments.contains { $0 == "--\(name)" || $0.hasPrefix("--\(name)=") } }
        func variable(_ name: String) -> String { "RESILIENCE_" + name.uppercased().replacing("-", with: "_") }
        for name in runOptions where !given(name) {
            if let value = environment[variable(name)], !value.isEmpty { expanded += ["--\(name)", value] }
        }
        for name in runFlags where !given(name) && environment[variable(name)]?.lowercased() == "true" {
            expanded.append("--\(name)")
        }
        return expanded
    }
}
