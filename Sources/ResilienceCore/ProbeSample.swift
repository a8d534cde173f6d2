#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The latest result of the operator's own probe of one pod.
public struct ProbeSample: Sendable, Equatable, Codable {
    /// When the latest probe finished.
    public var time: Date
    /// Failures in a row, 0 after a success.
    public var consecutiveFailures: Int
    /// Why the latest probe failed: a connection error, a timeout, or the status code.
    public var lastError: String?

    public init(time: Date, consecutiveFailures: Int, lastError: String? = nil) {
        self.time = time
        self.consecutiveFailures = consecutiveFailures
        self.lastError = lastError
    }
}
