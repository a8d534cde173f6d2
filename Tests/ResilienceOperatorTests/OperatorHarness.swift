import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubernetesAPI
import KubernetesClient
import Logging
import ResilienceOperator
import Synchronization
import TestSupport

/// Runs the operator in-process for a test, with its endpoints on a free port.
struct OperatorHarness: Sendable {
    let port: Int

    /// Runs the operator on `namespace` around `body`, configured by `configure`.
    static func with(
        _ namespace: String, client: KubernetesClient, instance: String = "test",
        configure: (inout ResilienceOperator.Configuration) -> Void = { _ in },
        _ body: (OperatorHarness) async throws -> Void
    ) async throws {
        let listening = Listening()
        var configuration = ResilienceOperator.Configuration(namespace: namespace, endpoints: ("127.0.0.1", 0), instance: instance)
        configuration.onListening = { port in listening.set(port) }
        configure(&configuration)
        let service = ResilienceOperator(client: client, configuration: configuration, logger: Logger(label: "operator-\(instance)"))
        let running = Task { try await service.run() }
        defer { running.cancel() }
        let port = try await eventually("the operator's endpoints to listen") { listening.port }
        try await body(OperatorHarness(port: port))
        running.cancel()
        _ = await running.result
    }

    /// The operator's /metrics, as text.
    func metrics() async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }

    /// The value of the sample of `name` that carries every label of `labels`, if any.
    func sample(_ name: String, _ labels: [String: String] = [:]) async throws -> Double? {
        try await metrics().split(separator: "\n").first { line in
            (line.hasPrefix(name + "{") || line.hasPrefix(name + " ")) && labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
        }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    private final class Listening: Sendable {
        private let value = Mutex<Int?>(nil)
        func set(_ port: Int) { value.withLock { $0 = port } }
        var port: Int? { value.withLock { $0 } }
    }
}
