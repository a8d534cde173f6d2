#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One line of a watch stream (`metav1.WatchEvent`), decoded by its type: an `ERROR` carries a
/// `Status`, a `BOOKMARK` only a resourceVersion, the others the object.
public enum WatchEvent<Resource: KubernetesResource>: Sendable {
    case added(Resource)
    case modified(Resource)
    case deleted(Resource)
    /// The server's progress marker: everything up to this resourceVersion has been sent.
    case bookmark(resourceVersion: String)
    /// The watch failed; a 410 (`Expired`, `Gone`) means the resourceVersion is too old.
    case error(Status)

    /// Decodes one JSON line of a watch response, in one pass: the type, then the object as the type says.
    public static func decode(_ data: Data, decoder: JSONDecoder) throws -> WatchEvent {
        try decoder.decode(Line.self, from: data).event
    }

    /// A whole line. Decoding the type first from the line alone would parse the whole line twice (the
    /// decoder parses a document entirely before reading a key of it), and the object is most of it.
    private struct Line: Decodable {
        var event: WatchEvent

        enum CodingKeys: String, CodingKey {
            case type, object
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "ADDED": event = .added(try container.decode(Resource.self, forKey: .object))
            case "MODIFIED": event = .modified(try container.decode(Resource.self, forKey: .object))
            case "DELETED": event = .deleted(try container.decode(Resource.self, forKey: .object))
            case "BOOKMARK": event = .bookmark(resourceVersion: try container.decode(Bookmark.self, forKey: .object).metadata.resourceVersion)
            case "ERROR": event = .error(try container.decode(Status.self, forKey: .object))
            default: throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown watch event type '\(type)'")
            }
        }
    }

    private struct Bookmark: Decodable {
        struct Meta: Decodable { var resourceVersion: String }
        var metadata: Meta
    }
}
