#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A time zone's offsets from UTC, read from its TZif file (RFC 8536, as /usr/share/zoneinfo holds them):
/// the 64-bit transitions of a version 2+ file, or the 32-bit ones of a version 1 file. After the last
/// transition the last offset holds (Debian's files list transitions up to 2037; the rule after that, in
/// the file's footer, is not read). Parsing is pure: the operator reads the file.
public struct ZoneRules: Sendable, Equatable {
    /// Transition instants (seconds since 1970, UTC), ascending, and the offset in force from each.
    private let transitions: [Int64]
    private let offsets: [Int32]
    /// The offset before the first transition.
    private let initial: Int32

    /// UTC.
    public static let utc = ZoneRules(transitions: [], offsets: [], initial: 0)

    private init(transitions: [Int64], offsets: [Int32], initial: Int32) {
        self.transitions = transitions
        self.offsets = offsets
        self.initial = initial
    }

    /// Why a file is not a TZif file this reads.
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(tzif bytes: [UInt8]) throws(FormatError) {
        var reader = Reader(bytes: bytes)
        var header = try reader.header()
        if header.version >= 2 {
            // Skip the version 1 body to the 64-bit header and body.
            try reader.skip(header.timeCount * 5 + header.typeCount * 6 + header.charCount + header.leapCount * 8 + header.isStdCount + header.isUTCCount)
            header = try reader.header()
        }
        let width = header.version >= 2 ? 8 : 4
        var times: [Int64] = []
        for _ in 0..<header.timeCount { times.append(try width == 8 ? reader.int64() : Int64(reader.int32())) }
        var indexes: [Int] = []
        for _ in 0..<header.timeCount { indexes.append(Int(try reader.byte())) }
        var types: [Int32] = []
        for _ in 0..<header.typeCount {
            types.append(try reader.int32())
            try reader.skip(2)
        }
        guard !types.isEmpty, indexes.allSatisfy({ $0 < types.count }) else { throw FormatError(description: "no local time types, or a transition to one that does not exist") }
        transitions = times
        offsets = indexes.map { types[$0] }
        initial = types[0]
    }

    /// The offset from UTC, in seconds, at `date`.
    public func offset(at date: Date) -> Int {
        offset(atUTC: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    private func offset(atUTC seconds: Int64) -> Int {
        // The last transition at or before `seconds`.
        var low = 0, high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= seconds { low = middle + 1 } else { high = middle }
        }
        return Int(low == 0 ? initial : offsets[low - 1])
    }

    /// The UTC instant of a local wall-clock time, in seconds since 1970 as if local were UTC. In a gap
    /// (clocks moved forward) it falls after the gap; in an overlap, the first of the two.
    public func utc(fromLocal local: Int64) -> Int64 {
        let first = local - Int64(offset(atUTC: local))
        let second = local - Int64(offset(atUTC: first))
        return min(first, second)
    }

    /// The local wall-clock time at `utc`, in seconds since 1970 as if local were UTC.
    public func local(fromUTC utc: Int64) -> Int64 {
        utc + Int64(offset(atUTC: utc))
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        struct Header {
            var version: Int
            var isUTCCount: Int, isStdCount: Int, leapCount: Int, timeCount: Int, typeCount: Int, charCount: Int
        }

        mutating func header() throws(FormatError) -> Header {
            guard bytes.count >= position + 44, bytes[position..<position + 4].elementsEqual("TZif".utf8) else {
                throw FormatError(description: "not a TZif file")
            }
            let version = bytes[position + 4] == 0 ? 1 : Int(bytes[position + 4]) - 48
            position += 20
            var counts: [Int] = []
            for _ in 0..<6 { counts.append(Int(try int32())) }
            guard counts.allSatisfy({ $0 >= 0 }) else { throw FormatError(description: "a negative count") }
            return Header(version: version, isUTCCount: counts[0], isStdCount: counts[1], leapCount: counts[2], timeCount: counts[3], typeCount: counts[4], charCount: counts[5])
        }

        mutating func skip(_ count: Int) throws(FormatError) {
            guard position + count <= bytes.count else { throw FormatError(description: "truncated") }
            position += count
        }

        mutating func byte() throws(FormatError) -> UInt8 {
            guard position < bytes.count else { throw FormatError(description: "truncated") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func int32() throws(FormatError) -> Int32 {
            var value: UInt32 = 0
            for _ in 0..<4 { value = value << 8 | UInt32(try byte()) }
            return Int32(bitPattern: value)
        }

        mutating func int64() throws(FormatError) -> Int64 {
            var value: UInt64 = 0
            for _ in 0..<8 { value = value << 8 | UInt64(try byte()) }
            return Int64(bitPattern: value)
        }
    }
}
