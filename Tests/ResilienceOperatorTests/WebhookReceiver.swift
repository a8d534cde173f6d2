import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP endpoint on loopback that records what webhooks post to `/hook/<name>`, and redirects
/// `/redirect/<name>` there.
final class WebhookReceiver: Sendable {
    private let received = Mutex<[(name: String, body: String)]>([])
    private let task = Mutex<Task<Void, any Error>?>(nil)

    /// Starts listening on a free port and returns once it does.
    func start() async throws -> Int {
        let router = Router()
        router.post("/hook/:name") { [self] request, context -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            let name = context.parameters.get("name") ?? ""
            self.received.withLock { $0.append((name, String(buffer: body))) }
            return .ok
        }
        // Answers with a redirect to the hook of the same name, as a hijacked URL might.
        router.post("/redirect/:name") { _, context -> Response in
            Response(status: .found, headers: [.location: "/hook/\(context.parameters.get("name") ?? "")"])
        }
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { channel in listening.yield(channel.localAddress?.port ?? 0); listening.finish() },
                                      logger: { var logger = Logger(label: "webhook-receiver"); logger.logLevel = .critical; return logger }())
        task.withLock { $0 = Task { try await application.run() } }
        for await port in ports { return port }
        throw CancellationError()
    }

    /// The bodies posted to `/hook/<name>`.
    func bodies(_ name: String) -> [String] { received.withLock { $0.filter { $0.name == name }.map(\.body) } }

    func stop() { task.withLock { $0?.cancel() } }
}
