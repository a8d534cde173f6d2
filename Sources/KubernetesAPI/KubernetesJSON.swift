#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON coders configured for the API server's conventions.
///
/// Timestamps are RFC 3339: `Time` has whole seconds (`2026-11-23T04:08:44Z`), `MicroTime` has
/// microseconds (`2026-11-23T04:08:44.123456Z`). Both decode; dates encode with whole seconds unless they
/// carry a fraction, which is kept.
public enum KubernetesJSON {
    /// A decoder that reads both timestamp forms.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = parseTimestamp(text) {
                return date
            }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not an RFC 3339 timestamp")
        }
        return decoder
    }

    /// An encoder that writes timestamps as the API server does.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        return encoder
    }

    /// Parses `Time` and `MicroTime` values, with `Z` or a numeric offset.
    public static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Formats a date in UTC, with milliseconds only when the date has a fraction of a second. The
    /// milliseconds are rounded, not cut: a time read back from its text is the nearest double to it, often
    /// a hair below, and cutting would move it back a millisecond each time it is read and written again.
    public static func formatTimestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        if seconds.rounded(.down) == seconds {
            return date.formatted(Date.ISO8601FormatStyle())
        }
        return date.addingTimeInterval(0.0005).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
