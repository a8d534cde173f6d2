import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on loopback between a client and a server, for fault tests and the fault bench: it relays
/// bytes as they come (TLS passes through untouched), and on command stalls every connection (nothing is
/// read either way, new connections included, as a black-holed network behaves: no error, no bytes) or
/// cuts them, at once or in the middle of the next message the server sends.
public final class StreamProxy: Sendable {
    /// The port clients connect to, on 127.0.0.1.
    public let port: Int
    private let server: any Channel
    private let upstreamHost: String
    private let upstreamPort: Int
    private let state = Mutex(State())

    private struct State {
        var stalled = false
        /// Every open channel, the clients' and the upstream ones.
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// The upstream channels, whose reads go to the client.
        var upstream: [ObjectIdentifier: any Channel] = [:]
        var accepted = 0
    }

    /// What a relay is told through its pipeline.
    fileprivate enum Command: Sendable { case cutMidMessage }

    private init(server: any Channel, upstreamHost: String, upstreamPort: Int) {
        self.server = server
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        port = server.localAddress?.port ?? 0
    }

    /// Listens on a free port of 127.0.0.1 and relays to `upstreamHost:upstreamPort`.
    public static func start(upstreamHost: String = "127.0.0.1", upstreamPort: Int) async throws -> StreamProxy {
        let proxy = Box()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { client in
                guard let proxy = proxy.value else { return client.close() }
                return proxy.connect(client)
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let started = StreamProxy(server: server, upstreamHost: upstreamHost, upstreamPort: upstreamPort)
        proxy.value = started
        return started
    }

    /// Connections accepted and relayed so far: each is counted once its upstream connection is made and
    /// it is among those ``cut()`` closes and ``stall()`` holds.
    public var accepted: Int { state.withLock { $0.accepted } }

    /// Stops relaying: nothing more is read from any connection, open or new, until ``resume()``.
    public func stall() {
        let channels = state.withLock { state in
            state.stalled = true
            return Array(state.channels.values)
        }
        for channel in channels { channel.setOption(.autoRead, value: false).whenFailure { _ in } }
    }

    /// Relays again what waited.
    public func resume() {
        let channels = state.withLock { state in
            state.stalled = false
            return Array(state.channels.values)
        }
        for channel in channels { channel.setOption(.autoRead, value: true).whenFailure { _ in } }
    }

    /// Closes every open connection now.
    public func cut() {
        let channels = state.withLock { Array($0.channels.values) }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Closes each open connection in the middle of the next bytes the server sends on it: half of them
    /// reach the client, then both sides are closed (a watch stream is cut inside an event).
    public func cutMidMessage() {
        let upstream = state.withLock { Array($0.upstream.values) }
        for channel in upstream { channel.pipeline.fireUserInboundEventTriggered(Command.cutMidMessage) }
    }

    /// Closes the listener and every connection.
    public func shutdown() async {
        cut()
        try? await server.close()
    }

    private func connect(_ client: any Channel) -> EventLoopFuture<Void> {
        ClientBootstrap(group: client.eventLoop)
            .channelOption(.autoRead, value: false)
            .connect(host: upstreamHost, port: upstreamPort)
            .flatMapThrowing { upstream in
                try client.pipeline.syncOperations.addHandler(Relay(partner: upstream, fromServer: false))
                try upstream.pipeline.syncOperations.addHandler(Relay(partner: client, fromServer: true))
                let stalled = self.state.withLock { state in
                    state.accepted += 1
                    state.channels[ObjectIdentifier(client)] = client
                    state.channels[ObjectIdentifier(upstream)] = upstream
                    state.upstream[ObjectIdentifier(upstream)] = upstream
                    return state.stalled
                }
                for channel in [client, upstream] {
                    channel.closeFuture.whenComplete { _ in
                        self.state.withLock { state in
                            state.channels[ObjectIdentifier(channel)] = nil
                            state.upstream[ObjectIdentifier(channel)] = nil
                        }
                    }
                    if !stalled { channel.setOption(.autoRead, value: true).whenFailure { _ in } }
                }
            }
            .flatMapErrorThrowing { error in
                client.close(promise: nil)
                throw error
            }
    }

    /// Holds the proxy for the accept handler, which is built before the proxy exists.
    private final class Box: @unchecked Sendable {
        private let lock = Mutex<StreamProxy?>(nil)
        var value: StreamProxy? {
            get { lock.withLock { $0 } }
            set { lock.withLock { $0 = newValue } }
        }
    }
}

/// One direction of a proxied connection: what its channel reads, its partner writes.
private final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let partner: any Channel
    private let fromServer: Bool
    private var cutArmed = false

    init(partner: any Channel, fromServer: Bool) {
        self.partner = partner
        self.fromServer = fromServer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if cutArmed, buffer.readableBytes > 1, let half = buffer.readSlice(length: buffer.readableBytes / 2) {
            let partner = partner
            partner.writeAndFlush(half).whenComplete { _ in partner.close(promise: nil) }
            context.close(promise: nil)
            return
        }
        partner.writeAndFlush(buffer, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let command = event as? StreamProxy.Command, command == .cutMidMessage, fromServer {
            cutArmed = true
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
