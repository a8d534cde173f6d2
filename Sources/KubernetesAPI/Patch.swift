#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A patch document and the media type that says how the server applies it.
public struct Patch: Sendable, Equatable {
    /// The `Content-Type` of the request.
    public var contentType: String
    public var body: [UInt8]

    /// RFC 7386 JSON merge patch: maps merge, lists are replaced, `null` deletes.
    public static func merge(_ json: [UInt8]) -> Patch {
        Patch(contentType: "application/merge-patch+json", body: json)
    }

    /// Kubernetes strategic merge patch: lists merge by their patch keys (built-in kinds only).
    public static func strategicMerge(_ json: [UInt8]) -> Patch {
        Patch(contentType: "application/strategic-merge-patch+json", body: json)
    }

    /// RFC 6902 JSON patch: a list of operations; `test` operations make it conditional.
    public static func json(_ operations: [JSONPatchOperation]) throws -> Patch {
        Patch(contentType: "application/json-patch+json", body: Array(try KubernetesJSON.encoder().encode(operations)))
    }

    /// RFC 6902 JSON patch given as its encoded list of operations.
    public static func json(encoded operations: [UInt8]) -> Patch {
        Patch(contentType: "application/json-patch+json", body: operations)
    }

    /// Server-side apply: the fields this manager owns, as a full object with apiVersion and kind.
    public static func apply(_ json: [UInt8]) -> Patch {
        Patch(contentType: "application/apply-patch+yaml", body: json)
    }

    /// A merge patch made from an encodable value.
    public static func merge(encoding value: some Encodable) throws -> Patch {
        .merge(Array(try KubernetesJSON.encoder().encode(value)))
    }
}

/// One RFC 6902 operation, with a JSON value given as encoded bytes.
public struct JSONPatchOperation: Encodable, Sendable, Equatable {
    public var op: String
    public var path: String
    public var value: JSONValue?

    public init(op: String, path: String, value: JSONValue? = nil) {
        self.op = op
        self.path = path
        self.value = value
    }
}

/// A JSON value, for patch operations and other untyped documents.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
