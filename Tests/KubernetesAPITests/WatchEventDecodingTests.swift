import Foundation
import KubernetesAPI
import TestSupport
import Testing

/// Watch streams captured from the real API server (hack/capture-fixtures.sh).
@Suite struct WatchEventDecodingTests {
    private func lines(_ name: String) throws -> [Data] {
        try Fixture.data(name).split(separator: UInt8(ascii: "\n")).map { Data($0) }
    }

    @Test func decodesEachTypeOfACapturedStream() throws {
        let events = try lines("watch-configmaps.jsonl").map { try WatchEvent<ConfigMap>.decode($0, decoder: KubernetesJSON.decoder()) }
        guard events.count >= 4,
              case .added(let added) = events[0],
              case .modified(let modified) = events[1],
              case .deleted(let deleted) = events[2],
              case .bookmark(let bookmark) = events[3]
        else {
            Issue.record("unexpected stream: \(events)")
            return
        }
        #expect(added.metadata.name == "watched")
        #expect(added.data == ["a": "1"])
        #expect(modified.data == ["a": "2"])
        #expect(deleted.metadata.name == "watched")
        let versions = [added, modified, deleted].compactMap { $0.metadata.resourceVersion.flatMap(Int.init) }
        #expect(versions == versions.sorted() && Set(versions).count == 3, "versions rise with each event")
        #expect(bookmark == deleted.metadata.resourceVersion, "the bookmark carries the last version")
    }

    @Test func errorEventDecodesAsStatusNotAsTheResource() throws {
        let event = try WatchEvent<ConfigMap>.decode(Fixture.data("watch-event-expired.json"), decoder: KubernetesJSON.decoder())
        guard case .error(let status) = event else {
            Issue.record("expected an ERROR event, got \(event)")
            return
        }
        #expect(status.code == 410)
        #expect(status.reason == "Expired")
        #expect(status.message?.hasPrefix("too old resource version") == true)
    }

    @Test func unknownTypesAreErrors() {
        #expect(throws: DecodingError.self) {
            try WatchEvent<ConfigMap>.decode(Data(#"{"type":"SURPRISE","object":{}}"#.utf8), decoder: KubernetesJSON.decoder())
        }
    }

    @Test func microTimeHasExactlySixFractionalDigits() throws {
        let date = try #require(KubernetesJSON.parseTimestamp("2026-11-23T04:16:52.5Z"))
        #expect(MicroTime(date).formatted == "2026-11-23T04:16:52.500000Z")
        let whole = try #require(KubernetesJSON.parseTimestamp("2026-11-23T04:16:52Z"))
        #expect(MicroTime(whole).formatted == "2026-11-23T04:16:52.000000Z")
        let lease = try KubernetesJSON.decoder().decode(MicroTime.self, from: Data(#""2026-11-23T05:05:22.872246Z""#.utf8))
        #expect(lease.formatted == "2026-11-23T05:05:22.872246Z")
    }
}
