import Foundation
import KubernetesAPI
import ResilienceCore
import TestSupport
import Testing

/// A remembered action is one line of text in the status (`RemediationHistory+ActionRecordLine`), and
/// memory that earlier versions wrote as objects is still read.
@Suite struct RemembranceLineTests {
    private let time = Date(timeIntervalSince1970: 1_796_586_709.898)
    private let settled = Date(timeIntervalSince1970: 1_796_586_710.402)

    private func records() -> [RemediationHistory.ActionRecord] {
        [
            .init(time: time, target: "shop/web", step: .restartPod, action: .restartPod(pod: "web-7c9f-x2", uid: "68f3c448", evict: true), succeeded: true,
                  settledAt: settled, settledBy: "0a8adf2b"),
            .init(time: time, target: "shop/web", step: .restartPod, action: .restartPod(pod: "web-7c9f-x3", uid: "68f3c449", evict: false), succeeded: false),
            .init(time: time, target: "shop/web", step: .isolate, action: .isolate(pod: "web-7c9f-x4", uid: "u4", mode: "quarantine"), succeeded: true),
            .init(time: time, target: "shop/web", step: .scaleUp, action: .scale(from: 3, to: 4), succeeded: true, settledAt: settled),
            .init(time: time, target: "shop/web", step: .scaleUp, action: .setAutoscalerMinimum(autoscaler: "web", from: 2, to: 3), succeeded: true),
            .init(time: time, target: "shop/web", step: .rollback, action: .rollback(replicaSet: "web-6b8d", revision: 4, from: "rs-uid"), succeeded: true),
            .init(time: time, target: "shop/web", step: nil, action: .release(pod: "web-7c9f-x4", uid: "u4"), succeeded: true),
            .init(time: time, target: "shop/web", step: nil, action: .admit(pod: "web-7c9f-x5", uid: "u5"), succeeded: true),
            .init(time: time, target: "shop/db", step: .rolloutRestart, action: .rolloutRestart, succeeded: true, settledAt: settled),
        ]
    }

    /// Encodes as the status writer does and reads back through JSON, as the API server returns it.
    private func roundTrip(_ history: RemediationHistory) throws -> (RemediationHistory, [Any]) {
        let data = try KubernetesJSON.encoder().encode(history)
        let actions = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["actions"] as? [Any])
        return (try KubernetesJSON.decoder().decode(RemediationHistory.self, from: data), actions)
    }

    @Test func everyKindOfActionIsOneLineAndReadsBackTheSame() throws {
        var history = RemediationHistory()
        history.actions = records()
        let (read, written) = try roundTrip(history)
        #expect(read == history)
        let lines = written.compactMap { $0 as? String }
        #expect(lines.count == records().count, "every action is written as a line: \(written)")
        #expect(lines[0] == "2026-12-06T19:51:49.898Z shop/web restartPod ok 2026-12-06T19:51:50.402Z 0a8adf2b restartPod web-7c9f-x2 68f3c448 evict")
        #expect(lines[1] == "2026-12-06T19:51:49.898Z shop/web restartPod failed - - restartPod web-7c9f-x3 68f3c449 delete")
        #expect(lines[8] == "2026-12-06T19:51:49.898Z shop/db rolloutRestart ok 2026-12-06T19:51:50.402Z - rolloutRestart")
    }

    @Test func anActionALineCannotHoldIsWrittenAsAnObject() throws {
        var history = RemediationHistory()
        history.actions = [
            .init(time: time, target: "shop/web", step: .rollback, action: .rollback(replicaSet: "web-6b8d", revision: 4, from: ""), succeeded: true),
            .init(time: time, target: "shop/web", step: .isolate, action: .isolate(pod: "-", uid: "u4", mode: "quarantine"), succeeded: true),
            .init(time: time, target: "shop/web", step: nil, action: .alert(condition: .refused, summary: "two words"), succeeded: true),
        ]
        let (read, written) = try roundTrip(history)
        #expect(read == history)
        #expect(written.allSatisfy { $0 is [String: Any] }, "\(written)")
    }

    @Test func memoryWrittenAsObjectsByAnEarlierVersionIsRead() throws {
        let policy = try PolicyDecoder.decode(Fixture.data("policy-memory-as-objects.json"))
        let memory = try #require(policy.status?.memory)
        #expect(memory.actions.count == 4)
        let first = try #require(memory.actions.first)
        #expect(first.action == .restartPod(pod: "app-0-9d5b8d764-r2d2n", uid: "68f3c448-f587-4766-8f64-a0259a10abc4", evict: true))
        #expect(first.target == "bench-op-2683212943-0/app-0")
        #expect(first.step == .restartPod && first.succeeded)
        #expect(first.settledBy == "0a8adf2b-20bc-491f-81ab-60d5d9e7c865")
        #expect(first.settledAt == KubernetesJSON.parseTimestamp("2026-12-06T22:48:33.802Z"))
        #expect(memory.episodes.count == 1)

        // Written again, it is lines, a third shorter, and the same memory.
        let (read, written) = try roundTrip(memory)
        #expect(read == memory)
        #expect(written.allSatisfy { $0 is String })
        let objects = try #require((try JSONSerialization.jsonObject(with: Fixture.data("policy-memory-as-objects.json")) as? [String: Any]))
        let captured = try #require(((objects["status"] as? [String: Any])?["memory"] as? [String: Any])?["actions"])
        let before = try JSONSerialization.data(withJSONObject: captured).count
        let after = try JSONSerialization.data(withJSONObject: written).count
        #expect(after * 3 < before * 2, "\(after) bytes as lines against \(before) as objects")
    }

    @Test func aLineThatIsNotOneIsRefusedWithIt() throws {
        for line in [
            "2026-12-06T19:51:49.898Z shop/web restartPod ok - - restartPod web-1 uid",
            "2026-12-06T19:51:49.898Z shop/web restartPod maybe - - restartPod web-1 uid evict",
            "yesterday shop/web restartPod ok - - restartPod web-1 uid evict",
            "2026-12-06T19:51:49.898Z shop/web jump ok - - restartPod web-1 uid evict",
            "2026-12-06T19:51:49.898Z shop/web scaleUp ok - - scale three 4",
            "2026-12-06T19:51:49.898Z shop/web restartPod ok - - restartPod web-1  evict",
        ] {
            let data = try JSONSerialization.data(withJSONObject: ["actions": [line]])
            #expect(throws: DecodingError.self, "\(line)") { try KubernetesJSON.decoder().decode(RemediationHistory.self, from: data) }
        }
    }
}
