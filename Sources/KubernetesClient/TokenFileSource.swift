#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// A bearer token read from a file that may be rotated (a projected service-account token).
///
/// The file is read again once the cached copy is older than `maxAge`, as client-go does.
final class TokenFileSource: Sendable {
    private let path: String
    private let maxAge: Duration
    private let cached: Mutex<(token: String, readAt: ContinuousClock.Instant)?> = Mutex(nil)

    init(path: String, maxAge: Duration = .seconds(60)) {
        self.path = path
        self.maxAge = maxAge
    }

    func token() throws -> String {
        let now = ContinuousClock.now
        if let current = cached.withLock({ $0 }), now - current.readAt < maxAge {
            return current.token
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("token file \(path) cannot be read")
        }
        let token = String(decoding: data, as: UTF8.self).filter { !$0.isWhitespace }
        guard !token.isEmpty else {
            throw ConfigurationError("token file \(path) is empty")
        }
        cached.withLock { $0 = (token, now) }
        return token
    }
}
