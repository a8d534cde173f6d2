import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What an ``HTTPServer`` answers to a request.
public enum HTTPAnswer: Sendable {
    case respond(status: HTTPResponseStatus, contentType: String, body: String)
    /// Never answer (a hung health endpoint); the connection stays open until the client gives up.
    case hang
}

/// A tiny HTTP/1.1 server on one address and port, answering each request with a synchronous responder.
public struct HTTPServer: Sendable {
    private let channel: any Channel
    private let connections: Connections

    /// Binds `host:port` (port 0 picks a free one) and serves until ``close()``.
    public static func start(
        host: String, port: Int, group: any EventLoopGroup,
        responder: @escaping @Sendable (HTTPRequestHead) -> HTTPAnswer
    ) async throws -> HTTPServer {
        let connections = Connections()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(responder: responder))
                }
            }
            .bind(host: host, port: port)
            .get()
        return HTTPServer(channel: channel, connections: connections)
    }

    /// The port it listens on.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Stops listening and closes every open connection: a client that keeps connections alive (as
    /// Prometheus does) must not go on talking to a server that is gone, whoever takes its address next.
    public func close() async {
        try? await channel.close()
        for connection in connections.all() { try? await connection.close() }
    }

    /// The accepted connections still open.
    private final class Connections: Sendable {
        private let open = Mutex<[ObjectIdentifier: any Channel]>([:])

        func add(_ channel: any Channel) {
            let id = ObjectIdentifier(channel)
            open.withLock { $0[id] = channel }
            channel.closeFuture.whenComplete { [weak self] _ in self?.open.withLock { _ = $0.removeValue(forKey: id) } }
        }

        func all() -> [any Channel] {
            open.withLock { Array($0.values) }
        }
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let responder: @Sendable (HTTPRequestHead) -> HTTPAnswer
        private var head: HTTPRequestHead?

        init(responder: @escaping @Sendable (HTTPRequestHead) -> HTTPAnswer) {
            self.responder = responder
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body: break
            case .end:
                guard let head else { return }
                self.head = nil
                guard case .respond(let status, let contentType, let body) = responder(head) else { return }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: contentType)
                headers.add(name: "Content-Length", value: String(body.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
                let keepAlive = head.isKeepAlive, channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if !keepAlive { channel.close(promise: nil) }
                }
            }
        }
    }
}
