#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// A time as Kubernetes writes it (RFC 3339, UTC), for reasons.
struct Timestamp: CustomStringConvertible {
    var date: Date

    init(_ date: Date) {
        self.date = date
    }

    var description: String { KubernetesJSON.formatTimestamp(date) }
}
