#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// A kubeconfig file (`clientcmd/api/v1.Config`), as kubectl and cloud tooling write it.
///
/// Only what a client needs to connect is decoded. Paths inside the file are relative to the file's
/// folder, as kubectl reads them.
public struct KubeConfig: Sendable {
    /// Where the configuration came from, for error messages.
    public var source: String
    /// The folder that relative paths in the file are resolved against.
    public var directory: String
    public var clusters: [String: Cluster]
    public var users: [String: User]
    public var contexts: [String: Context]
    public var currentContext: String?

    /// How to reach and trust one API server.
    public struct Cluster: Decodable, Sendable {
        public var server: String?
        public var certificateAuthority: String?
        public var certificateAuthorityData: String?
        public var insecureSkipTLSVerify: Bool?
        public var tlsServerName: String?
        public var proxyURL: String?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case tlsServerName = "tls-server-name"
            case proxyURL = "proxy-url"
        }
    }

    /// How to authenticate.
    public struct User: Decodable, Sendable {
        public var clientCertificate: String?
        public var clientCertificateData: String?
        public var clientKey: String?
        public var clientKeyData: String?
        public var token: String?
        public var tokenFile: String?
        public var username: String?
        public var hasExec: Bool
        public var hasAuthProvider: Bool

        enum CodingKeys: String, CodingKey {
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case token, tokenFile, username, exec
            case authProvider = "auth-provider"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            clientCertificate = try c.decodeIfPresent(String.self, forKey: .clientCertificate)
            clientCertificateData = try c.decodeIfPresent(String.self, forKey: .clientCertificateData)
            clientKey = try c.decodeIfPresent(String.self, forKey: .clientKey)
            clientKeyData = try c.decodeIfPresent(String.self, forKey: .clientKeyData)
            token = try c.decodeIfPresent(String.self, forKey: .token)
            tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
            username = try c.decodeIfPresent(String.self, forKey: .username)
            hasExec = c.contains(.exec)
            hasAuthProvider = c.contains(.authProvider)
        }
    }

    /// A cluster, a user and a default namespace, under one name.
    public struct Context: Decodable, Sendable {
        public var cluster: String
        public var user: String
        public var namespace: String?
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws -> KubeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("kubeconfig \(path): cannot read the file")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return try parse(String(decoding: data, as: UTF8.self), source: path, directory: directory)
    }

    /// Parses kubeconfig YAML (or JSON). `source` names it in errors; `directory` resolves relative paths.
    public static func parse(_ yaml: String, source: String, directory: String) throws -> KubeConfig {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(YAMLReader.json(from: yaml)))
        } catch let error as DecodingError {
            throw ConfigurationError("kubeconfig \(source): \(DecodingErrorDescription.describe(error))")
        } catch {
            throw ConfigurationError("kubeconfig \(source): not valid YAML: \(error)")
        }
        func named<T>(_ entries: [File.Named<T>]?, _ field: String) throws -> [String: T] {
            var result: [String: T] = [:]
            for (index, entry) in (entries ?? []).enumerated() {
                guard let value = entry.value else {
                    throw ConfigurationError("kubeconfig \(source): \(field)[\(index)] ('\(entry.name)') has no \(field.dropLast())")
                }
                if result[entry.name] == nil { result[entry.name] = value }
            }
            return result
        }
        return KubeConfig(
            source: source,
            directory: directory,
            clusters: try named(file.clusters, "clusters"),
            users: try named(file.users, "users"),
            contexts: try named(file.contexts, "contexts"),
            currentContext: file.currentContext.flatMap { $0.isEmpty ? nil : $0 }
        )
    }

    /// The connection settings of `context`, or of the current context when it is nil.
    ///
    /// - Parameter allowInsecure: whether a cluster with `insecure-skip-tls-verify: true` is accepted.
    ///   Without it, such a cluster is refused: the operator verifies TLS.
    public func configuration(context: String? = nil, allowInsecure: Bool = false) throws -> ClientConfiguration {
        let origin = "kubeconfig \(source)"
        guard let contextName = context ?? currentContext else {
            throw ConfigurationError("\(origin): no context given and current-context is not set")
        }
        guard let ctx = contexts[contextName] else {
            throw ConfigurationError("\(origin): context '\(contextName)' is not in contexts (\(contexts.isEmpty ? "there are none" : "there are: " + contexts.keys.sorted().joined(separator: ", ")))")
        }
        guard let cluster = clusters[ctx.cluster] else {
            throw ConfigurationError("\(origin): context '\(contextName)' names cluster '\(ctx.cluster)', which is not in clusters")
        }
        guard let user = users[ctx.user] else {
            throw ConfigurationError("\(origin): context '\(contextName)' names user '\(ctx.user)', which is not in users")
        }
        let clusterField = "clusters['\(ctx.cluster)'].cluster"
        let userField = "users['\(ctx.user)'].user"
        guard let server = cluster.server, !server.isEmpty else {
            throw ConfigurationError("\(origin): \(clusterField).server is missing")
        }
        if cluster.insecureSkipTLSVerify == true && !allowInsecure {
            throw ConfigurationError("\(origin): \(clusterField).insecure-skip-tls-verify is true; refused, because the server could not be authenticated (allow it explicitly to connect anyway)")
        }
        if cluster.tlsServerName != nil {
            throw ConfigurationError("\(origin): \(clusterField).tls-server-name is not supported")
        }
        if cluster.proxyURL != nil {
            throw ConfigurationError("\(origin): \(clusterField).proxy-url is not supported")
        }
        if user.hasExec || user.hasAuthProvider {
            throw ConfigurationError("\(origin): \(userField) uses \(user.hasExec ? "exec" : "auth-provider") credentials, which are not supported; use a client certificate or a token")
        }
        var config = ClientConfiguration(server: server, source: "\(origin), context '\(contextName)'")
        config.namespace = ctx.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        config.insecureSkipTLSVerify = cluster.insecureSkipTLSVerify ?? false
        config.certificateAuthorityPEM = try material(
            data: cluster.certificateAuthorityData, file: cluster.certificateAuthority,
            field: "\(clusterField).certificate-authority")
        let certificate = try material(
            data: user.clientCertificateData, file: user.clientCertificate,
            field: "\(userField).client-certificate")
        let key = try material(data: user.clientKeyData, file: user.clientKey, field: "\(userField).client-key")
        switch (certificate, key) {
        case (let certificate?, let key?):
            config.clientCertificate = ClientConfiguration.ClientCertificate(certificatePEM: certificate, keyPEM: key)
        case (nil, nil):
            break
        case (.some, nil):
            throw ConfigurationError("\(origin): \(userField) has a client certificate but no client-key")
        case (nil, .some):
            throw ConfigurationError("\(origin): \(userField) has a client-key but no client certificate")
        }
        if let token = user.token, !token.isEmpty {
            config.token = .inline(token)
        } else if let tokenFile = user.tokenFile, !tokenFile.isEmpty {
            config.token = .file(resolve(tokenFile))
        }
        return config
    }

    /// The bytes of `<field>-data` (base64) or of the file `<field>` names; data wins, as in kubectl.
    private func material(data: String?, file: String?, field: String) throws -> [UInt8]? {
        if let data, !data.isEmpty {
            guard let bytes = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
                throw ConfigurationError("kubeconfig \(source): \(field)-data is not valid base64")
            }
            return Array(bytes)
        }
        if let file, !file.isEmpty {
            let path = resolve(file)
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("kubeconfig \(source): \(field) names \(path), which cannot be read")
            }
            return Array(bytes)
        }
        return nil
    }

    private func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : "\(directory)/\(path)"
    }

    /// The file's shape: lists of named entries.
    private struct File: Decodable {
        var clusters: [Named<Cluster>]?
        var users: [Named<User>]?
        var contexts: [Named<Context>]?
        var currentContext: String?

        enum CodingKeys: String, CodingKey {
            case clusters, users, contexts
            case currentContext = "current-context"
        }

        struct Named<Value: Decodable>: Decodable {
            var name: String
            var value: Value?

            enum CodingKeys: String, CodingKey {
                case name, cluster, user, context
            }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                name = try c.decode(String.self, forKey: .name)
                let key = [CodingKeys.cluster, .user, .context].first { c.contains($0) }
                value = try key.map { try c.decode(Value.self, forKey: $0) }
            }
        }
    }
}
