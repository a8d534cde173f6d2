import Foundation
import Yams

/// The operator's container as a kustomization renders it (`kubectl kustomize`, the current kubectl),
/// read the way the kubelet reads it: `env` with `fieldRef`s resolved for one pod (``forPod(_:)``), and
/// `$(VAR)` in `args` expanded from that env. Tests run the image with exactly this, never a copy of the manifests' flags.
public struct OperatorPodSpec: Sendable {
    /// The Deployment's namespace.
    public var namespace: String
    /// The container's image.
    public var image: String
    /// The container's `env`, in order: a value, or the pod field it reads.
    private var variables: [(name: String, source: Source)]
    /// The container's `args`, unexpanded.
    private var rawArguments: [String]

    private enum Source: Sendable {
        case value(String)
        case field(String)
    }

    /// Renders `kustomization` (a folder) and reads the `resilience-operator` Deployment's first container.
    public static func rendered(_ kustomization: String) async throws -> OperatorPodSpec {
        let result = try await ProcessRunner.run(LocalControlPlane.currentKubectlPath, ["kustomize", kustomization])
        guard result.exitCode == 0 else { throw TestSupportError("kubectl kustomize \(kustomization): \(result.output)") }
        let documents = try Yams.load_all(yaml: result.output).compactMap { $0 as? [String: Any] }
        guard let deployment = documents.first(where: {
            $0["kind"] as? String == "Deployment" && ($0["metadata"] as? [String: Any])?["name"] as? String == "resilience-operator"
        }) else {
            throw TestSupportError("\(kustomization) renders no Deployment resilience-operator")
        }
        let metadata = deployment["metadata"] as? [String: Any] ?? [:]
        let podSpec = ((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
        guard let container = (podSpec?["containers"] as? [[String: Any]])?.first else {
            throw TestSupportError("\(kustomization): the Deployment has no container")
        }
        var variables: [(name: String, source: Source)] = []
        for variable in container["env"] as? [[String: Any]] ?? [] {
            guard let name = variable["name"] as? String else { continue }
            if let value = variable["value"] as? String {
                variables.append((name, .value(value)))
            } else if let path = ((variable["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String {
                guard ["metadata.name", "metadata.namespace"].contains(path) else {
                    throw TestSupportError("\(kustomization): env \(name) reads \(path), which this test does not resolve")
                }
                variables.append((name, .field(path)))
            } else {
                throw TestSupportError("\(kustomization): env \(name) has neither value nor fieldRef")
            }
        }
        return OperatorPodSpec(
            namespace: metadata["namespace"] as? String ?? "default", image: container["image"] as? String ?? "",
            variables: variables, rawArguments: (container["args"] as? [Any] ?? []).map { "\($0)" })
    }

    /// The container's environment and expanded arguments as the kubelet gives them to pod `podName`.
    public func forPod(_ podName: String) -> (arguments: [String], environment: [String: String]) {
        var environment: [String: String] = [:]
        for (name, source) in variables {
            switch source {
            case .value(let value): environment[name] = Self.expand(value, environment)
            case .field(let path): environment[name] = path == "metadata.name" ? podName : namespace
            }
        }
        return (rawArguments.map { Self.expand($0, environment) }, environment)
    }

    /// `$(NAME)` replaced by the variable's value where it is defined, as the kubelet does; `$$` escapes.
    static func expand(_ text: String, _ environment: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("$") {
                out += "$"
                rest = after.dropFirst()
            } else if after.hasPrefix("("), let close = after.firstIndex(of: ")"), let value = environment[String(after[after.index(after: after.startIndex)..<close])] {
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after
            }
        }
        return out + rest
    }
}
