import Foundation

/// The operator's OCI image as `hack/build-image.sh` writes it (an oci-archive), unpacked the way a
/// container runtime unpacks it: the index, the manifest it names, the config, and each layer in order
/// into one root filesystem.
public struct ImageArchive: Sendable {
    /// The archive's path.
    public let path: String

    /// What the image's config says about running it.
    public struct Config: Decodable, Sendable {
        public var User: String?
        public var Entrypoint: [String]?
        public var Env: [String]?
        public var Labels: [String: String]?
    }

    /// The archive named by `RO_IMAGE_ARCHIVE` (hack/test.sh builds it first), or one built now by
    /// `hack/build-image.sh`, once per test process.
    public static func built() async throws -> ImageArchive {
        try await build.value
    }

    private static let build = Task<ImageArchive, any Error> {
        if let path = ProcessInfo.processInfo.environment["RO_IMAGE_ARCHIVE"], !path.isEmpty {
            guard FileManager.default.fileExists(atPath: path) else { throw TestSupportError("RO_IMAGE_ARCHIVE names \(path), which does not exist") }
            return ImageArchive(path: path)
        }
        let result = try await ProcessRunner.run("/bin/bash", [RepositoryPaths.root + "/hack/build-image.sh"])
        guard result.exitCode == 0, let last = result.output.split(separator: "\n").last else {
            throw TestSupportError("hack/build-image.sh failed (exit \(result.exitCode)):\n\(result.output.suffix(4000))")
        }
        return ImageArchive(path: String(last))
    }

    /// Unpacks every layer into `rootfs` (created) and returns the image's config.
    public func unpack(into rootfs: String) async throws -> Config {
        let layout = rootfs + ".layout"
        try? FileManager.default.removeItem(atPath: layout)
        try FileManager.default.createDirectory(atPath: layout, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: rootfs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: layout) }
        try await Self.run("/bin/tar", ["-xf", path, "-C", layout])
        struct Descriptor: Decodable { var digest: String; var mediaType: String? }
        struct Index: Decodable { var manifests: [Descriptor] }
        struct Manifest: Decodable { var config: Descriptor; var layers: [Descriptor] }
        struct ConfigFile: Decodable { var config: Config }
        func blob<T: Decodable>(_ descriptor: Descriptor, as type: T.Type) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: Self.blobPath(descriptor.digest, in: layout))))
        }
        let index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json")))
        guard index.manifests.count == 1 else { throw TestSupportError("\(path): expected one manifest, found \(index.manifests.count)") }
        let manifest = try blob(index.manifests[0], as: Manifest.self)
        for layer in manifest.layers {
            let gzip = layer.mediaType?.hasSuffix("+gzip") == true
            try await Self.run("/bin/tar", [gzip ? "-xzf" : "-xf", Self.blobPath(layer.digest, in: layout), "-C", rootfs])
        }
        return try blob(manifest.config, as: ConfigFile.self).config
    }

    private static func blobPath(_ digest: String, in layout: String) -> String {
        layout + "/blobs/" + digest.replacingOccurrences(of: ":", with: "/")
    }

    @discardableResult
    private static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let result = try await ProcessRunner.run(executable, arguments)
        guard result.exitCode == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed (exit \(result.exitCode)): \(result.output)")
        }
        return result.output
    }
}
