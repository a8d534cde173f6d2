import Foundation
import KubernetesClient

/// The real control plane that integration tests run against.
///
/// The plane is named by its state folder: `$RO_TEST_STATE_DIR`, or `~/.cache/resilience-operator/planes/test`.
/// The first test to ask runs `hack/control-plane.sh up` on it, which reuses a running plane or starts
/// one (building Kubernetes first on a new machine). If that fails, every integration test fails with the
/// script's output: nothing is skipped.
public struct LocalControlPlane: Sendable {
    /// The plane's state folder.
    public let stateDirectory: String
    /// The admin kubeconfig (O=system:masters).
    public let kubeconfigPath: String

    /// The plane, started on first use and shared by every test in the process.
    public static func shared() async throws -> LocalControlPlane {
        try await startup.value
    }

    /// A second plane for tests that stop its components or compact its etcd (`<shared state>-faults`).
    /// Suites that use it run their tests one at a time.
    public static func faults() async throws -> LocalControlPlane {
        try await faultsStartup.value
    }

    /// A third plane for installing the operator as users do (`<shared state>-install`): a cluster-wide
    /// install watches every namespace, so it must not share a plane with other suites' policies.
    public static func installs() async throws -> LocalControlPlane {
        try await installsStartup.value
    }

    private static let baseState: String = {
        let environment = ProcessInfo.processInfo.environment
        return environment["RO_TEST_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? "/tmp")/.cache/resilience-operator/planes/test"
    }()

    private static let startup = Task<LocalControlPlane, any Error> { try await up(baseState) }
    private static let faultsStartup = Task<LocalControlPlane, any Error> { try await up(baseState + "-faults") }
    private static let installsStartup = Task<LocalControlPlane, any Error> { try await up(baseState + "-install") }

    private static func up(_ state: String) async throws -> LocalControlPlane {
        let result = try await ProcessRunner.run(
            "/bin/bash", [RepositoryPaths.root + "/hack/control-plane.sh", "--state-dir", state, "up"])
        guard result.exitCode == 0 else {
            throw TestSupportError("hack/control-plane.sh --state-dir \(state) up failed (exit \(result.exitCode)):\n\(result.output.suffix(4000))")
        }
        return LocalControlPlane(stateDirectory: state, kubeconfigPath: state + "/admin.kubeconfig")
    }

    /// The `resilience-operator` executable of this build.
    public static func operatorExecutable() throws -> String {
        try executable("resilience-operator")
    }

    /// The `resilience-simulator` executable of this build.
    public static func simulatorExecutable() throws -> String {
        try executable("resilience-simulator")
    }

    private static func executable(_ name: String) throws -> String {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestSupportError("no \(name) executable next to \(folder.path): run 'swift build' first (hack/test.sh does)")
    }

    /// The admin client configuration, from the plane's kubeconfig through the project's own loader.
    public func configuration() throws -> ClientConfiguration {
        try KubeConfig.load(path: kubeconfigPath).configuration()
    }

    /// Runs the kubectl built for the plane (1.20, not whatever kubectl is on PATH) and returns its output.
    ///
    /// - Throws: when kubectl exits with a non-zero code, with its output.
    @discardableResult
    public func kubectl(_ arguments: [String], stdin: String? = nil) async throws -> String {
        try await script(["kubectl"] + arguments, stdin: stdin)
    }

    /// The machine image's current kubectl (`/usr/bin/kubectl`, v1.32), which validates fields strictly
    /// as current clusters do: what users apply is applied with it too.
    public static let currentKubectlPath = "/usr/bin/kubectl"

    /// Runs the current kubectl against this plane and returns its output.
    ///
    /// - Throws: when kubectl exits with a non-zero code, with its output.
    @discardableResult
    public func currentKubectl(_ arguments: [String], stdin: String? = nil) async throws -> String {
        let result = try await ProcessRunner.run(Self.currentKubectlPath, ["--kubeconfig", kubeconfigPath] + arguments, stdin: stdin)
        guard result.exitCode == 0 else {
            throw TestSupportError("kubectl (current) \(arguments.joined(separator: " ")) failed (exit \(result.exitCode)): \(result.output)")
        }
        return result.output
    }

    /// Waits until the CustomResourceDefinition `name` is Established. `kubectl wait
    /// --for=condition=Established` fails at once, rather than waiting, while a CRD just created has no
    /// `status.conditions` yet (seen in CI: "accessor error: <nil> is of the type <nil>").
    public func waitUntilEstablished(crd name: String, timeout: Duration = .seconds(60)) async throws {
        let established = #"jsonpath={.status.conditions[?(@.type=="Established")].status}"#
        try await eventually("CRD \(name) Established", timeout: timeout) { () -> Bool? in
            (try? await currentKubectl(["get", "crd", name, "-o", established])) == "True" ? true : nil
        }
    }

    /// The process id of one of the plane's daemons (`kube-apiserver`, `etcd`, ...), for tests that
    /// signal it (SIGSTOP freezes it: connections stay open, nothing answers).
    public func pid(of daemon: String) throws -> pid_t {
        let text = try String(contentsOfFile: "\(stateDirectory)/pids/\(daemon)", encoding: .utf8)
        guard let pid = pid_t(text.filter(\.isNumber)) else { throw TestSupportError("no process id in \(stateDirectory)/pids/\(daemon)") }
        return pid
    }

    /// Runs `hack/control-plane.sh --state-dir <this plane> <arguments>`.
    @discardableResult
    public func script(_ arguments: [String], stdin: String? = nil) async throws -> String {
        let result = try await ProcessRunner.run(
            "/bin/bash", [RepositoryPaths.root + "/hack/control-plane.sh", "--state-dir", stateDirectory] + arguments,
            stdin: stdin)
        guard result.exitCode == 0 else {
            throw TestSupportError("control-plane.sh \(arguments.joined(separator: " ")) failed (exit \(result.exitCode)): \(result.output)")
        }
        return result.output
    }
}
