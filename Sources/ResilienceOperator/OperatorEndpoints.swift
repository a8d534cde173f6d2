import Hummingbird
import Logging
import NIOCore
import OperatorRuntime
import Prometheus
import Synchronization

/// The operator's HTTP endpoints, served by every replica, leader or not:
/// - `/healthz`: the process is alive;
/// - `/readyz`: the watch caches have synced (a standby replica keeps its caches warm and is ready too);
///   until then 503, naming each kind not synced and why (a list RBAC refuses, say);
/// - `/metrics`: Prometheus exposition of the operator's and the runtime's metrics.
struct OperatorEndpoints: Sendable {
    let host: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    let synced: SyncFlag
    /// The caches, for naming those not synced.
    let caches: [any SyncedCache]
    let logger: Logger
    /// Called with the bound port once listening (port 0 picks a free one).
    let onListening: @Sendable (Int) async -> Void

    /// Serves until the task is cancelled.
    func run() async throws {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { [synced, caches] _, _ -> Response in
            guard !synced.isSet else { return Self.text("ok\n") }
            let waiting = caches.filter { !$0.isSynced }.map { "\($0.kind): \($0.failure ?? "listing")" }
            return Self.text("caches not synced:\n" + waiting.map { "  \($0)\n" }.joined(), status: .serviceUnavailable)
        }
        router.get("/metrics") { [registry] _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        // A failure to listen is thrown from run(); what Hummingbird logs besides is request noise and, on
        // cancellation, an error about its child channels that is none.
        var quiet = logger
        quiet.logLevel = .critical
        let application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { [onListening] channel in await onListening(channel.localAddress?.port ?? 0) }, logger: quiet)
        try await application.run()
    }

    private static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A flag one task sets and HTTP handlers read.
final class SyncFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
