#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Secret (`v1/Secret`), read by name only. Its description never shows the values.
public struct Secret: KubernetesResource, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let apiVersion = "v1"
    public static let kind = "Secret"
    public static let plural = "secrets"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    /// Base64-encoded values, as the API server returns them.
    public var data: [String: String]?

    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.metadata = metadata
        self.data = data
    }

    /// The decoded value of `key`, if the Secret has it and it is UTF-8 text.
    public func value(_ key: String) -> String? {
        guard let encoded = data?[key], let bytes = Data(base64Encoded: encoded) else { return nil }
        return String(bytes: bytes, encoding: .utf8)
    }

    public var description: String {
        "Secret \(metadata.namespace ?? "")/\(metadata.name ?? "") (keys: \((data ?? [:]).keys.sorted().joined(separator: ", ")))"
    }

    public var debugDescription: String { description }
}
