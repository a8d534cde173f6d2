import KubernetesAPI
@testable import KubernetesClient
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// A client pinned to one event loop, against the real local control plane.
@Suite struct PinnedClientIntegrationTests {
    /// Its requests and its parent's spend one rate limit: a pinned client is not a second budget of QPS.
    @Test func sharesItsParentsRateLimit() async throws {
        let plane = try await LocalControlPlane.shared()
        var configuration = try plane.configuration()
        configuration.qps = 1
        configuration.burst = 1
        let client = try KubernetesClient(configuration: configuration)
        let pinned = client.pinned(to: MultiThreadedEventLoopGroup.singleton.next())
        let waited = try await withClient(client) { client in
            try await withClient(pinned) { pinned in
                _ = try await client.list(Namespace.self, options: ListOptions(limit: 1))
                let started = ContinuousClock.now
                _ = try await pinned.list(Namespace.self, options: ListOptions(limit: 1))
                return ContinuousClock.now - started
            }
        }
        // The parent took the only token; the pinned client's request waits for the next, a second later.
        #expect(waited >= .milliseconds(500), "the pinned client's request went out after \(waited)")
    }

    /// Every connection it opens lives on its loop: the group it connects through is that loop alone,
    /// where its parent's spans the process's loops.
    @Test func connectsOnlyOnItsLoop() async throws {
        let plane = try await LocalControlPlane.shared()
        let client = try KubernetesClient(configuration: plane.configuration())
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let pinned = client.pinned(to: loop)
        try await withClient(client) { _ in
            try await withClient(pinned) { pinned in
                _ = try await pinned.list(Namespace.self, options: ListOptions(limit: 1))
            }
        }
        let loops = Array(pinned.http.eventLoopGroup.makeIterator())
        #expect(loops.count == 1 && loops.allSatisfy { $0 === loop })
        #expect(Array(client.http.eventLoopGroup.makeIterator()).count == System.coreCount)
    }
}
