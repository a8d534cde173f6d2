import Foundation
import KubernetesAPI
import ResilienceCore
import TestSupport
import Testing

/// How the status holds the memory (`RemediationHistory+Coding`): the actions that are over as lines
/// under `done`, the open ones as objects under `actions`, where an earlier version still reads them;
/// memory that earlier versions wrote (every action an object) is read; and what cannot be read is
/// skipped and named, the rest kept.
@Suite struct MemoryCodingTests {
    private let time = Date(timeIntervalSince1970: 1_796_586_709.898)
    private let settled = Date(timeIntervalSince1970: 1_796_586_710.402)

    /// Every kind of action, over (settled or failed).
    private func over() -> [RemediationHistory.ActionRecord] {
        [
            .init(time: time, target: "shop/web", step: .restartPod, action: .restartPod(pod: "web-7c9f-x2", uid: "68f3c448", evict: true), succeeded: true,
                  settledAt: settled, settledBy: "0a8adf2b"),
            .init(time: time, target: "shop/web", step: .restartPod, action: .restartPod(pod: "web-7c9f-x3", uid: "68f3c449", evict: false), succeeded: false),
            .init(time: time, target: "shop/web", step: .isolate, action: .isolate(pod: "web-7c9f-x4", uid: "u4", mode: "quarantine"), succeeded: true, settledAt: settled),
            .init(time: time, target: "shop/web", step: .scaleUp, action: .scale(from: 3, to: 4), succeeded: true, settledAt: settled),
            .init(time: time, target: "shop/web", step: .scaleUp, action: .setAutoscalerMinimum(autoscaler: "web", from: 2, to: 3), succeeded: false),
            .init(time: time, target: "shop/web", step: .rollback, action: .rollback(replicaSet: "web-6b8d", revision: 4, from: "rs-uid"), succeeded: true, settledAt: settled),
            .init(time: time, target: "shop/web", step: nil, action: .release(pod: "web-7c9f-x4", uid: "u4"), succeeded: true, settledAt: settled),
            .init(time: time, target: "shop/web", step: nil, action: .admit(pod: "web-7c9f-x5", uid: "u5"), succeeded: false),
            .init(time: time, target: "shop/db", step: .rolloutRestart, action: .rolloutRestart, succeeded: true, settledAt: settled),
        ]
    }

    /// Encodes as the status writer does, reads back through JSON as the API server returns it, and gives
    /// the JSON too.
    private func roundTrip(_ history: RemediationHistory) throws -> (read: RemediationHistory, json: [String: Any], data: Data) {
        let data = try KubernetesJSON.encoder().encode(history)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (try KubernetesJSON.decoder().decode(RemediationHistory.self, from: data), json, data)
    }

    /// The memory as the version before lines declared it: every field required, every action an object,
    /// unknown keys passed over.
    private struct EarlierMemory: Decodable {
        var pods: [String: RemediationHistory.PodMemory]
        var actions: [RemediationHistory.ActionRecord]
        var episodes: [String: RemediationHistory.Episode]
        var episodeStarts: [String: [Date]]
        var revisions: [String: RemediationHistory.RevisionVerdict]
        var scaledFrom: [String: RemediationHistory.ScaleMemory]
    }

    @Test func everyKindOfActionThatIsOverIsOneLineAndReadsBackTheSame() throws {
        var history = RemediationHistory()
        history.actions = over()
        let (read, json, _) = try roundTrip(history)
        #expect(read == history)
        let lines = try #require(json["done"] as? [String])
        #expect(lines.count == over().count)
        #expect((json["actions"] as? [Any])?.isEmpty == true)
        #expect(lines[0] == "2026-12-06T19:51:49.898Z shop/web restartPod ok 2026-12-06T19:51:50.402Z 0a8adf2b restartPod web-7c9f-x2 68f3c448 evict")
        #expect(lines[1] == "2026-12-06T19:51:49.898Z shop/web restartPod failed - - restartPod web-7c9f-x3 68f3c449 delete")
        #expect(lines[8] == "2026-12-06T19:51:49.898Z shop/db rolloutRestart ok 2026-12-06T19:51:50.402Z - rolloutRestart")
    }

    @Test func openActionsStayObjectsThatAnEarlierVersionReadsWithTheRestOfTheMemory() throws {
        var history = RemediationHistory()
        let later = time.addingTimeInterval(30)
        let inFlight = RemediationHistory.ActionRecord(
            time: later, target: "shop/web", step: .restartPod, action: .restartPod(pod: "web-7c9f-x9", uid: "u9", evict: true), succeeded: true)
        let isolated = RemediationHistory.ActionRecord(
            time: later.addingTimeInterval(1), target: "shop/web", step: .isolate, action: .isolate(pod: "web-7c9f-x8", uid: "u8", mode: "readinessGate"), succeeded: true)
        history.actions = [over()[0], inFlight, over()[1], isolated]
        history.actions[2].time = later.addingTimeInterval(0.5)
        history.episodes["shop/web"] = .init(openedAt: time, step: 1, stepStartedAt: later, acted: ["u9/restartPod"], relapse: false)
        history.scaledFrom["shop/web"] = .init(replicas: 3, set: 4)
        history.revisions["rs-uid"] = .healthy

        let (read, json, data) = try roundTrip(history)
        #expect(read == history, "the order is kept across both lists")
        #expect((json["done"] as? [String])?.count == 2)
        #expect((json["actions"] as? [Any])?.allSatisfy { $0 is [String: Any] } == true)

        let earlier = try KubernetesJSON.decoder().decode(EarlierMemory.self, from: data)
        #expect(earlier.actions == [inFlight, isolated], "an earlier version keeps the disruptions in flight")
        #expect(earlier.episodes == history.episodes && earlier.scaledFrom == history.scaledFrom && earlier.revisions == history.revisions)
    }

    @Test func anActionALineCannotHoldStaysAnObject() throws {
        var history = RemediationHistory()
        history.actions = [
            .init(time: time, target: "shop/web", step: .rollback, action: .rollback(replicaSet: "web-6b8d", revision: 4, from: ""), succeeded: true, settledAt: settled),
            .init(time: time, target: "shop/web", step: .isolate, action: .isolate(pod: "-", uid: "u4", mode: "quarantine"), succeeded: false),
            .init(time: time, target: "shop/web", step: nil, action: .alert(condition: .refused, summary: "two words"), succeeded: true, settledAt: settled),
        ]
        let (read, json, _) = try roundTrip(history)
        #expect(read == history)
        #expect(json["done"] == nil)
        #expect((json["actions"] as? [Any])?.count == 3)
    }

    @Test func memoryWrittenAsObjectsByAnEarlierVersionIsRead() throws {
        // Captured from the plane: a policy's status as the operator wrote it before lines.
        let policy = try PolicyDecoder.decode(Fixture.data("policy-memory-as-objects.json"))
        let memory = try #require(policy.status?.memory)
        #expect(memory.actions.count == 4)
        let first = try #require(memory.actions.first)
        #expect(first.action == .restartPod(pod: "app-0-9d5b8d764-r2d2n", uid: "68f3c448-f587-4766-8f64-a0259a10abc4", evict: true))
        #expect(first.target == "bench-op-2683212943-0/app-0")
        #expect(first.step == .restartPod && first.succeeded)
        #expect(first.settledBy == "0a8adf2b-20bc-491f-81ab-60d5d9e7c865")
        #expect(first.settledAt == KubernetesJSON.parseTimestamp("2026-12-06T22:48:33.802Z"))
        #expect(memory.episodes.count == 1 && memory.revisions.count == 1)

        // Written again, its settled actions are lines, a third shorter, and it is the same memory.
        let (read, json, _) = try roundTrip(memory)
        #expect(read == memory)
        let lines = try #require(json["done"] as? [String])
        #expect(lines.count == 4)
        let objects = try #require(try JSONSerialization.jsonObject(with: Fixture.data("policy-memory-as-objects.json")) as? [String: Any])
        let captured = try #require(((objects["status"] as? [String: Any])?["memory"] as? [String: Any])?["actions"])
        let before = try JSONSerialization.data(withJSONObject: captured).count
        let after = try JSONSerialization.data(withJSONObject: lines).count
        #expect(after * 3 < before * 2, "\(after) bytes as lines against \(before) as objects")
    }

    @Test func aLineThatIsNotOneIsSkippedNamedAndTheRestKept() throws {
        let good = try #require(roundTrip({ var history = RemediationHistory(); history.actions = Array(over().prefix(2)); return history }()).json["done"] as? [String])
        for line in [
            "2026-12-06T19:51:49.898Z shop/web restartPod ok - - restartPod web-1 uid",
            "2026-12-06T19:51:49.898Z shop/web restartPod maybe - - restartPod web-1 uid evict",
            "yesterday shop/web restartPod ok - - restartPod web-1 uid evict",
            "2026-12-06T19:51:49.898Z shop/web jump ok - - restartPod web-1 uid evict",
            "2026-12-06T19:51:49.898Z shop/web scaleUp ok - - scale three 4",
            "2026-12-06T19:51:49.898Z shop/web restartPod ok - - restartPod web-1  evict",
        ] {
            let data = try JSONSerialization.data(withJSONObject: ["done": [good[0], line, good[1]]])
            let read = try KubernetesJSON.decoder().decode(RemediationHistory.self, from: data)
            #expect(read.actions == Array(over().prefix(2)), "\(line)")
            #expect(read.unread == [ValidationProblem("done[1]", "'\(line)' is not a remembered action; skipped")])
        }
    }

    @Test func anOpenActionThatIsNotOneIsSkippedNamedAndTheRestKept() throws {
        let open = RemediationHistory.ActionRecord(time: time, target: "shop/web", step: .restartPod, action: .restartPod(pod: "web-1", uid: "u1", evict: true), succeeded: true)
        let object = try #require(try JSONSerialization.jsonObject(with: KubernetesJSON.encoder().encode(open)) as? [String: Any])
        var later = object, unnamed = object
        later["action"] = ["teleport": ["pod": "web-2", "uid": "u2"]]
        unnamed["target"] = nil
        let data = try JSONSerialization.data(withJSONObject: ["actions": [later, object, unnamed]])
        let read = try KubernetesJSON.decoder().decode(RemediationHistory.self, from: data)
        #expect(read.actions == [open])
        #expect(read.unread.map(\.field) == ["actions[0].action", "actions[2].target"], "\(read.unread)")
        #expect(read.unread.allSatisfy { $0.message.hasSuffix("; this action is skipped") })
        #expect(read.unread.last?.message == "required field is missing; this action is skipped")
    }

    /// A policy's status with its memory edited, as the API server returns it in a list: the captured
    /// policy, its actions written as the operator writes them, then one line or one field spoiled.
    @Test func aPolicyNamesWhatOfItsStatusWasNotReadAndKeepsTheRest() throws {
        let captured = try #require(try JSONSerialization.jsonObject(with: Fixture.data("policy-memory-as-objects.json")) as? [String: Any])
        let memory = try #require(try PolicyDecoder.decode(Fixture.data("policy-memory-as-objects.json")).status?.memory)
        let lines = try #require(try roundTrip(memory).json["done"] as? [String])
        #expect(lines.count == 4)
        func policy(name: String, memory: [String: Any]) -> [String: Any] {
            var policy = captured, status = captured["status"] as? [String: Any] ?? [:], metadata = captured["metadata"] as? [String: Any] ?? [:]
            metadata["name"] = name
            status["memory"] = memory
            policy["metadata"] = metadata
            policy["status"] = status
            return policy
        }
        let spoiled = "2026-12-06T22:48:40.533Z bench-op-2683212943-0/app-0 restartPod ok - - teleport app-0-9d5b8d764-p8kfr"
        let withALine = policy(name: "lines", memory: ["done": [lines[0], spoiled, lines[2], lines[3]], "actions": [["time": "2026-12-06T22:49:00.000Z"]]])
        var episodes = try #require(try JSONSerialization.jsonObject(with: KubernetesJSON.encoder().encode(memory)) as? [String: Any])
        episodes["episodes"] = ["bench-op-2683212943-0/app-0": ["openedAt": "yesterday", "step": 0, "acted": [] as [Any]]]
        let withABadField = policy(name: "field", memory: episodes)
        var withBadReports = captured, reports = captured["status"] as? [String: Any] ?? [:]
        reports["lastActions"] = [["time": "yesterday", "step": "restartPod", "reason": "r", "result": "succeeded"]]
        withBadReports["status"] = reports
        let list = ["apiVersion": "resilience.dev/v1alpha1", "kind": "ResiliencePolicyList", "metadata": [:] as [String: Any], "items": [withALine, withABadField, captured, withBadReports]] as [String: Any]
        struct List: Decodable { var items: [ResiliencePolicy] }
        let items = try KubernetesJSON.decoder().decode(List.self, from: JSONSerialization.data(withJSONObject: list)).items

        // One line skipped: the other three actions are remembered, and the line is named with its place.
        #expect(items[0].statusProblems == [
            ValidationProblem("status.memory.actions[0].target", "required field is missing; this action is skipped"),
            ValidationProblem("status.memory.done[1]", "'\(spoiled)' is not a remembered action; skipped"),
        ])
        #expect(items[0].status?.memory?.actions == [memory.actions[0], memory.actions[2], memory.actions[3]])
        #expect(items[0].status?.memory?.unread == [], "said once, by the policy")
        #expect(items[0].status?.phase != nil && items[0].decodingProblem == nil)
        // A part of the memory that cannot be read is left empty and named; the actions are kept.
        let problem = try #require(items[1].statusProblems.first)
        #expect(items[1].statusProblems.count == 1)
        #expect(problem.field == "status.memory.episodes.bench-op-2683212943-0/app-0.openedAt", "\(problem)")
        #expect(problem.message.hasSuffix("; not read"), "\(problem)")
        #expect(items[1].status?.memory?.actions == memory.actions && items[1].status?.memory?.episodes == [:])
        #expect(items[1].status?.memory?.revisions == memory.revisions)
        #expect(items[1].spec == items[2].spec && items[1].decodingProblem == nil, "the spec is read all the same")
        #expect(items[2].statusProblems.isEmpty && items[2].status?.memory == memory)
        // Reports that cannot be read: the memory is read on its own, and the field is named.
        #expect(items[3].statusProblems.map(\.field) == ["status.lastActions[0].time"], "\(items[3].statusProblems)")
        #expect(items[3].status?.memory == memory && items[3].status?.phase == nil && items[3].status?.lastActions == nil)
    }

    @Test func aPartOfTheMemoryThatCannotBeReadIsLeftEmptyAndTheRestKept() throws {
        var history = RemediationHistory()
        history.actions = over()
        history.scaledFrom = ["shop/web": .init(replicas: 3, set: 4)]
        var json = try #require(try roundTrip(history).json)
        json["scaledFrom"] = "three"
        json["actions"] = 7
        let read = try KubernetesJSON.decoder().decode(RemediationHistory.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(read.actions == over(), "the lines are read")
        #expect(read.scaledFrom.isEmpty)
        #expect(read.unread.map(\.field) == ["actions", "scaledFrom"], "\(read.unread)")
        #expect(read.unread.allSatisfy { $0.message.hasSuffix("; not read") }, "\(read.unread)")
    }
}
