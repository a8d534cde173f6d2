import Foundation

/// The operator's image run as a container runtime runs it, without one (`podman run` cannot start
/// containers on these machines): the unpacked root filesystem mounted read-only in a mount namespace of
/// its own, `/proc` and a minimal `/dev` mounted in it, the ServiceAccount folder mounted where the
/// kubelet mounts it, a network namespace of its own (so that its `0.0.0.0:8080` is its own), and the
/// entrypoint started by `chroot --userspec` as the image's user with only the given environment.
///
/// The pod's network reaches the API server through a bridge (socat over a Unix socket): inside, the
/// server is at `127.0.0.1:<its port>`, as `KUBERNETES_SERVICE_HOST`/`PORT` say, so the server's
/// certificate is checked against the same name. The container's port 8080 is reached from outside
/// through ``get(_:)``.
public final class ImageContainer: @unchecked Sendable {
    /// The folder with the Unix sockets and the logs.
    public let folder: String
    /// Everything the operator wrote to standard output and error (the bridges log apart).
    public var log: String { (try? String(contentsOfFile: folder + "/container.log", encoding: .utf8)) ?? "" }

    private let process: Process
    private let apiBridge: Process
    private let exited = AsyncStream.makeStream(of: Int32.self)

    /// Starts `config`'s entrypoint with `arguments` in `rootfs`.
    ///
    /// - Parameters:
    ///   - serviceAccount: a folder with `token`, `ca.crt` and `namespace`, mounted read-only at
    ///     `/var/run/secrets/kubernetes.io/serviceaccount`.
    ///   - apiServer: the API server's loopback port.
    ///   - environment: the container's whole environment (the image's own `Env` comes first).
    public init(
        rootfs: String, config: ImageArchive.Config, arguments: [String], environment: [String: String],
        serviceAccount: String, apiServerPort: Int
    ) throws {
        folder = rootfs + ".run"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for path in ["/proc", "/dev", "/var/run/secrets/kubernetes.io/serviceaccount"] {
            try FileManager.default.createDirectory(atPath: rootfs + path, withIntermediateDirectories: true)
        }
        let user = try config.User.flatMap { $0.isEmpty ? nil : $0 } ?? { throw TestSupportError("the image names no user") }()
        let userSpec = user.contains(":") ? user : "\(user):\(user)"
        let entrypoint = (config.Entrypoint ?? []) + arguments
        guard !entrypoint.isEmpty else { throw TestSupportError("the image has no entrypoint") }
        var variables: [String: String] = [:]
        for item in config.Env ?? [] {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            variables[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        variables.merge(environment) { _, given in given }

        // Outside: the API server's port offered on a Unix socket.
        apiBridge = Process()
        apiBridge.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        apiBridge.arguments = ["UNIX-LISTEN:\(folder)/api.sock,fork,mode=600", "TCP:127.0.0.1:\(apiServerPort)"]
        apiBridge.standardOutput = FileHandle.nullDevice
        apiBridge.standardError = FileHandle.nullDevice
        try apiBridge.run()

        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let script = """
            set -eu
            root=\(quoted(rootfs)); run=\(quoted(folder))
            ip link set lo up
            mount --bind "$root" "$root"
            mount -t proc proc "$root/proc"
            mount -t tmpfs -o mode=755,nosuid tmpfs "$root/dev"
            for device in null zero random urandom; do touch "$root/dev/$device"; mount --bind "/dev/$device" "$root/dev/$device"; done
            mount --bind \(quoted(serviceAccount)) "$root/var/run/secrets/kubernetes.io/serviceaccount"
            mount -o remount,bind,ro "$root/var/run/secrets/kubernetes.io/serviceaccount"
            mount -o remount,bind,ro "$root"
            while [ ! -S "$run/api.sock" ]; do sleep 0.05; done
            # The bridges keep none of this shell's descriptors: Foundation's Process learns of the
            # operator's exit from one of them closing.
            detached() { for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done; exec "$@"; }
            (detached socat TCP-LISTEN:\(apiServerPort),bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$run/api.sock") 2>>"$run/bridges.log" &
            (detached socat UNIX-LISTEN:"$run/http.sock",fork,mode=600 TCP:127.0.0.1:8080) 2>>"$run/bridges.log" &
            # The network is ready before the container starts, as a kubelet's is: the API server's bridge listens.
            until (exec 3<>/dev/tcp/127.0.0.1/\(apiServerPort)) 2>/dev/null; do sleep 0.02; done
            exec /usr/bin/env -i \(variables.sorted { $0.key < $1.key }.map { quoted("\($0.key)=\($0.value)") }.joined(separator: " ")) \\
              /usr/sbin/chroot --userspec \(quoted(userSpec)) "$root" \(entrypoint.map(quoted).joined(separator: " "))
            """
        FileManager.default.createFile(atPath: folder + "/container.log", contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/container.log"))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--mount", "--net", "--propagation", "private", "/bin/bash", "-c", script]
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let continuation = exited.continuation
        process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        try process.run()
    }

    /// GET `path` on the container's port 8080: the status code and the body.
    public func get(_ path: String) async throws -> (status: Int, body: String) {
        let result = try await ProcessRunner.run(
            "/usr/bin/curl", ["-sS", "--max-time", "5", "--unix-socket", folder + "/http.sock", "-w", "\n%{http_code}", "http://pod\(path)"])
        guard result.exitCode == 0, let newline = result.output.lastIndex(of: "\n") else {
            throw TestSupportError("GET \(path) in the container: curl exit \(result.exitCode): \(result.output)")
        }
        return (Int(result.output[result.output.index(after: newline)...]) ?? 0, String(result.output[..<newline]))
    }

    /// Sends SIGTERM, as the kubelet does first, and returns the exit code.
    public func terminate() async -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        var code: Int32 = -1
        for await status in exited.stream { code = status }
        stopHelpers()
        return code
    }

    /// Whether the operator still runs.
    public var isRunning: Bool { process.isRunning }

    /// Ends the bridges on both sides, with the connections they forked: every process whose command
    /// line names this container's folder.
    private func stopHelpers() {
        let sweep = Process()
        sweep.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
        sweep.arguments = ["-KILL", "-f", folder + "/"]
        try? sweep.run()
        sweep.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        stopHelpers()
    }
}
