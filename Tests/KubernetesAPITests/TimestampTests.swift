import Foundation
import KubernetesAPI
import Testing

@Suite struct TimestampTests {
    @Test func parsesTimeAndMicroTime() throws {
        let time = try #require(KubernetesJSON.parseTimestamp("2026-11-23T04:16:52Z"))
        let micro = try #require(KubernetesJSON.parseTimestamp("2026-11-23T04:16:52.123456Z"))
        #expect(abs(micro.timeIntervalSince(time) - 0.123456) < 0.000_01)
        #expect(time.timeIntervalSince1970 == 1_795_407_412)
    }

    @Test func parsesNumericOffsets() throws {
        let utc = try #require(KubernetesJSON.parseTimestamp("2026-11-23T04:16:52Z"))
        let offset = try #require(KubernetesJSON.parseTimestamp("2026-11-23T06:16:52+02:00"))
        #expect(utc == offset)
    }

    @Test func rejectsGarbage() {
        #expect(KubernetesJSON.parseTimestamp("yesterday") == nil)
        #expect(throws: DecodingError.self) {
            try KubernetesJSON.decoder().decode(ObjectMeta.self, from: Data(#"{"creationTimestamp":"soon"}"#.utf8))
        }
    }

    @Test func formatsWholeSecondsLikeTheServer() throws {
        let date = try #require(KubernetesJSON.parseTimestamp("2026-11-23T04:16:52Z"))
        #expect(KubernetesJSON.formatTimestamp(date) == "2026-11-23T04:16:52Z")
        let encoded = try KubernetesJSON.encoder().encode(["t": date])
        #expect(String(decoding: encoded, as: UTF8.self) == #"{"t":"2026-11-23T04:16:52Z"}"#)
    }

    /// A time written with milliseconds reads back as the nearest double, often a hair below it: written
    /// again it must give the same text, or memory read and written at each term drifts back.
    @Test func aTimeWithMillisecondsReadsAndWritesBackTheSame() throws {
        var moved: [String] = []
        for millisecond in 0..<1000 where millisecond > 0 {
            let text = "2026-12-06T22:48:33." + String(String(millisecond + 1000).dropFirst()) + "Z"
            let date = try #require(KubernetesJSON.parseTimestamp(text))
            if KubernetesJSON.formatTimestamp(date) != text { moved.append("\(text) -> \(KubernetesJSON.formatTimestamp(date))") }
        }
        #expect(moved.isEmpty, "\(moved.count) moved, such as \(moved.prefix(3))")
    }
}
