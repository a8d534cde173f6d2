#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import KubernetesAPI
import NIOCore

/// One watch request's events, read from the response as the consumer asks for them.
///
/// The request starts on the first `next()`. The sequence ends when the server closes the stream
/// (after `timeoutSeconds`), and throws ``KubernetesError`` when the request fails, the connection
/// breaks, or nothing arrives for the client's idle read timeout: a silent connection is treated as
/// dead. An `ERROR` event is delivered as ``WatchEvent/error(_:)``, never decoded as the
/// resource; deciding what it means (a 410 means relist) is the caller's.
public struct WatchStream<Resource: KubernetesResource>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Resource>

    let client: KubernetesClient
    let path: String
    let deadline: Duration

    /// The longest line accepted: one object.
    static var maxLineBytes: Int { 16 * 1024 * 1024 }

    public func makeAsyncIterator() -> Iterator {
        Iterator(stream: self)
    }

    /// Reads lines from the response body and decodes each as an event.
    public struct Iterator: AsyncIteratorProtocol {
        private let stream: WatchStream
        private var body: HTTPClientResponse.Body.AsyncIterator?
        private var buffer = ByteBuffer()
        private var finished = false
        private let decoder = KubernetesJSON.decoder()

        init(stream: WatchStream) {
            self.stream = stream
        }

        public mutating func next() async throws -> WatchEvent<Resource>? {
            let request = "GET \(stream.path)"
            if finished { return nil }
            if body == nil {
                let response = try await stream.client.perform(.GET, stream.path, timeout: stream.deadline)
                body = response.body.makeAsyncIterator()
            }
            while true {
                if let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                    let length = newline - buffer.readerIndex
                    let line = buffer.readSlice(length: length)!
                    buffer.moveReaderIndex(forwardBy: 1)
                    if line.readableBytes == 0 { continue }
                    return try decode(line, request: request)
                }
                guard buffer.readableBytes <= WatchStream.maxLineBytes else {
                    finished = true
                    throw KubernetesError(reason: .decoding, request: request, message: "a watch event is longer than \(WatchStream.maxLineBytes) bytes")
                }
                let chunk: ByteBuffer?
                do {
                    chunk = try await body!.next()
                } catch {
                    finished = true
                    throw stream.client.classifyTransport(error, request: request)
                }
                guard var chunk else {
                    finished = true
                    guard buffer.readableBytes > 0 else { return nil }
                    let rest = buffer
                    buffer.clear()
                    return try decode(rest, request: request)
                }
                buffer.discardReadBytes()
                buffer.writeBuffer(&chunk)
            }
        }

        private func decode(_ line: ByteBuffer, request: String) throws -> WatchEvent<Resource> {
            do {
                return try WatchEvent<Resource>.decode(Data(line.readableBytesView), decoder: decoder)
            } catch let error as DecodingError {
                throw KubernetesError(
                    reason: .decoding, request: request,
                    message: "a watch event does not decode as \(Resource.kind): \(DecodingErrorDescription.describe(error))")
            }
        }
    }
}

extension KubernetesClient {
    /// Watches `type` from `options.resourceVersion`, with bookmarks.
    ///
    /// A server that answers sends something (an event, a bookmark, the stream's end) at least every
    /// `timeoutSeconds`, so a stream silent for the client's ``ClientConfiguration/idleReadTimeout``
    /// is a half-open connection (a proxy that stalls, a peer gone without a reset): the request fails
    /// and the caller watches again.
    ///
    /// - Parameters:
    ///   - timeoutSeconds: the server ends the stream after this.
    public func watch<Resource: KubernetesResource>(
        _ type: Resource.Type,
        namespace: String? = nil,
        options: ListOptions = ListOptions(),
        timeoutSeconds: Int = 60
    ) -> WatchStream<Resource> {
        var query = options.queryItems.filter { $0.name != "limit" && $0.name != "continue" }
        query.append(("watch", "1"))
        query.append(("allowWatchBookmarks", "true"))
        query.append(("timeoutSeconds", String(timeoutSeconds)))
        let path = Resource.path(namespace: namespace) + QueryString.encode(query)
        return WatchStream(client: self, path: path, deadline: .seconds(timeoutSeconds + 30))
    }
}
