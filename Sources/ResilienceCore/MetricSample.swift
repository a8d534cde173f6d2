#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One pod's value of a metric rule's query, and when Prometheus evaluated it.
public struct MetricSample: Sendable, Equatable, Codable {
    public var value: Double
    public var time: Date

    public init(value: Double, time: Date) {
        self.value = value
        self.time = time
    }
}
