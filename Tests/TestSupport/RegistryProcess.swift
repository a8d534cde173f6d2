import Foundation

/// A real OCI registry (Debian's `docker-registry`, the CNCF distribution) on loopback, over plain HTTP,
/// storing in a folder of its own: where README's `skopeo copy ... docker://REGISTRY/...` pushes.
public final class RegistryProcess: Sendable {
    private let daemon: LoopbackDaemon

    public init() throws {
        daemon = try LoopbackDaemon(
            "registry", executable: "/usr/bin/docker-registry", readyPath: "/v2/",
            files: { folder, port in
                ["config.yml": """
                    version: 0.1
                    log: {level: warn}
                    storage: {filesystem: {rootdirectory: \(folder)/data}}
                    http: {addr: "127.0.0.1:\(port)"}
                    """]
            },
            arguments: { folder, _ in ["serve", folder + "/config.yml"] })
    }

    /// `127.0.0.1:<port>`, as an image reference's registry part.
    public var host: String { "127.0.0.1:\(daemon.port)" }

    public func ready() async throws { try await daemon.ready() }

    public func stop() { daemon.stop() }
}
