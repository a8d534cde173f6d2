#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A number of seconds written as people read durations: `45s`, `3m20s`, `1h5m`.
struct Seconds: CustomStringConvertible {
    var value: TimeInterval

    init(_ value: TimeInterval) {
        self.value = value
    }

    var description: String {
        let total = Int(max(0, value).rounded())
        let hours = total / 3600, minutes = total % 3600 / 60, seconds = total % 60
        if hours > 0 { return minutes > 0 ? "\(hours)h\(minutes)m" : "\(hours)h" }
        if minutes > 0 { return seconds > 0 ? "\(minutes)m\(seconds)s" : "\(minutes)m" }
        return "\(seconds)s"
    }
}
