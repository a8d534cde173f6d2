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

    /// Decodes one JSON line of a watch response.
    public static func decode(_ data: Data, decoder: JSONDecoder) throws -> WatchEvent {
        let envelope = try decoder.decode(Envelope.self, from: data)
        switch envelope.type {
        case "ADDED": return .added(try decoder.decode(Typed<Resource>.self, from: data).object)
        case "MODIFIED": return .modified(try decoder.decode(Typed<Resource>.self, from: data).object)
        case "DELETED": return .deleted(try decoder.decode(Typed<Resource>.self, from: data).object)
        case "BOOKMARK":
            let bookmark = try decoder.decode(Typed<Bookmark>.self, from: data).object
            return .bookmark(resourceVersion: bookmark.metadata.resourceVersion)
        case "ERROR": return .error(try decoder.decode(Typed<Status>.self, from: data).object)
        default:
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "unknown watch event type '\(envelope.type)'"))
        }
    }

    private struct Envelope: Decodable {
        var type: String
    }

    private struct Typed<Object: Decodable>: Decodable {
        var object: Object
    }

    private struct Bookmark: Decodable {
        struct Meta: Decodable { var resourceVersion: String }
        var metadata: Meta
    }
}
