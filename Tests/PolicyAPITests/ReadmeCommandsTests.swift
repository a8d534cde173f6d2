import Foundation
import TestSupport
import Testing

/// Every `kubectl apply` and `kubectl delete` that README.md shows, run as written (from the repository's
/// root, with the current kubectl) in a server-side dry run against the plane where manifests/ is installed.
@Suite struct ReadmeCommandsTests {
    /// The kubectl lines of README's shell blocks, without their comments.
    static func kubectlLines() throws -> [String] {
        let readme = try String(contentsOfFile: RepositoryPaths.root + "/README.md", encoding: .utf8)
        var lines: [String] = []
        var inShell = false
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inShell = line == "```sh"
                continue
            }
            guard inShell else { continue }
            let command = (line.range(of: " #").map { line[..<$0.lowerBound] } ?? line[...]).trimmingCharacters(in: .whitespaces)
            if command.hasPrefix("kubectl apply ") || command.hasPrefix("kubectl delete ") { lines.append(command) }
        }
        return lines
    }

    @Test func readmeShowsTheInstallCommands() throws {
        let lines = try Self.kubectlLines()
        for expected in ["kubectl apply -k crds/", "kubectl apply -k manifests/", "kubectl apply -k examples/install/",
                         "kubectl apply -k manifests/namespaced/", "kubectl delete -k manifests/"] {
            #expect(lines.contains(expected), "\(lines)")
        }
    }

    @Test(arguments: try kubectlLines())
    func worksAsWrittenInAServerDryRun(_ line: String) async throws {
        let plane = try await OperatorManifests.installed()
        let arguments = line.split(separator: " ").dropFirst().map(String.init)
        let result = try await ProcessRunner.run("/bin/bash", ["-c", #"cd "$1" && shift && exec "$@""#, "run", RepositoryPaths.root,
                                                               LocalControlPlane.currentKubectlPath, "--kubeconfig", plane.kubeconfigPath]
                                                 + arguments + ["--dry-run=server"])
        #expect(result.exitCode == 0, "\(line): \(result.output)")
        // `delete ... --all` on a plane with nothing of the kind left says so instead (whether one is left
        // depends on which suites ran before on the shared install plane).
        let nothingToDelete = arguments.contains("--all") && result.output.contains("No resources found")
        #expect(result.output.contains("(server dry run)") || nothingToDelete, "\(line): \(result.output)")
    }
}
