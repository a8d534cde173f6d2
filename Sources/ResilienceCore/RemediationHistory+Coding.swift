#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// How the status holds the memory. The actions that are over (settled, or failed) are one line of text
/// each, under `done`; those still open are objects, under `actions`, as earlier versions wrote every
/// action.
///
/// - **Why lines.** The memory holds every action of the last hour at least (the loop breaker's window,
///   or the budget's), up to 256 or the budget's count, and the whole status is written again with each
///   change. The API server spends about twice as much on a byte of nested objects as on a byte of
///   strings, and a line is a third shorter: with 1,000 actions remembered a write cost it 172 ms of CPU
///   as objects and 50 ms as lines (`resilience-bench status`).
/// - **Why open actions stay objects.** An operator rolled back to an earlier version reads `actions`
///   and passes over `done`: it keeps the disruptions in flight (maxInFlight, what a deleted policy
///   releases), the episodes, the scale-ups to undo and the revision verdicts, and forgets only what is
///   over (it counts the budget and cooldowns afresh). A line it could not read would have cost it the
///   whole status. There are few open actions: at most the disruptions in flight.
///
/// Memory written by earlier versions (every action an object) is read as it is. An action that a line
/// cannot hold (a field that is empty, is `-` or has a space) stays an object.
///
/// A line or an open action this version cannot read (edited by hand, or an action a later version
/// added) is skipped, and a part that cannot be read (the episodes, say) is left empty; each is named in
/// ``RemediationHistory/unread``, and the rest of the memory is kept.
extension RemediationHistory: Codable {
    private enum CodingKeys: String, CodingKey {
        case pods, actions, done, episodes, episodeStarts, revisions, scaledFrom
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        var unread: [ValidationProblem] = []
        /// What is wrong, with the field relative to the memory (`actions[0].action`, `episodes.shop/web.step`).
        func problem(_ error: any Error, at key: CodingKeys, _ consequence: String) -> ValidationProblem {
            guard let error = error as? DecodingError else { return ValidationProblem(key.stringValue, "\(error); \(consequence)") }
            let problem = PolicyDecoder.problem(error, below: container.codingPath)
            return ValidationProblem(problem.field, "\(problem.message); \(consequence)")
        }
        /// One part of the memory, or nothing when it cannot be read: the other parts are read all the same.
        func part<T: Decodable>(_ key: CodingKeys, else empty: T) -> T {
            do {
                return try container.decodeIfPresent(T.self, forKey: key) ?? empty
            } catch {
                unread.append(problem(error, at: key, "not read"))
                return empty
            }
        }
        pods = part(.pods, else: [:])
        var open: [ActionRecord] = []
        do {
            if container.contains(.actions), try !container.decodeNil(forKey: .actions) {
                var list = try container.nestedUnkeyedContainer(forKey: .actions)
                while !list.isAtEnd {
                    do {
                        open.append(try list.decode(ActionRecord.self))
                    } catch {
                        // Passed over whole, so that the next one is read.
                        _ = try list.decode(JSONValue.self)
                        unread.append(problem(error, at: .actions, "this action is skipped"))
                    }
                }
            }
        } catch {
            unread.append(problem(error, at: .actions, "not read"))
        }
        var done: [ActionRecord] = []
        for (index, line) in part(.done, else: [String]()).enumerated() {
            if let record = ActionRecord(line: line) {
                done.append(record)
            } else {
                unread.append(ValidationProblem("done[\(index)]", "'\(line)' is not a remembered action; skipped"))
            }
        }
        actions = Self.merge(done: done, open: open)
        episodes = part(.episodes, else: [:])
        episodeStarts = part(.episodeStarts, else: [:])
        revisions = part(.revisions, else: [:])
        scaledFrom = part(.scaledFrom, else: [:])
        self.unread = unread
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var open: [ActionRecord] = []
        var done: [String] = []
        for record in actions {
            if record.isOver, let line = record.line { done.append(line) } else { open.append(record) }
        }
        try container.encode(pods, forKey: .pods)
        try container.encode(open, forKey: .actions)
        if !done.isEmpty { try container.encode(done, forKey: .done) }
        try container.encode(episodes, forKey: .episodes)
        try container.encode(episodeStarts, forKey: .episodeStarts)
        try container.encode(revisions, forKey: .revisions)
        try container.encode(scaledFrom, forKey: .scaledFrom)
    }

    /// Both lists in the order they were taken (each is): oldest first, and at the same time what is over
    /// before what is open.
    private static func merge(done: [ActionRecord], open: [ActionRecord]) -> [ActionRecord] {
        var merged: [ActionRecord] = []
        merged.reserveCapacity(done.count + open.count)
        var next = (done: 0, open: 0)
        while next.done < done.count || next.open < open.count {
            if next.open == open.count || (next.done < done.count && done[next.done].time <= open[next.open].time) {
                merged.append(done[next.done])
                next.done += 1
            } else {
                merged.append(open[next.open])
                next.open += 1
            }
        }
        return merged
    }
}

extension RemediationHistory.ActionRecord {
    /// Whether the action is over: settled, or failed.
    var isOver: Bool { settledAt != nil || !succeeded }

    /// The record as one line: the time, the target, the step (or `-`), `ok` or `failed`, when it settled
    /// and the UID of the replacement that settled it (each `-` until then), then the action and its fields:
    ///
    ///     2026-12-06T22:48:33.286Z shop/web restartPod ok 2026-12-06T22:48:33.802Z 0a8a… restartPod web-7c9f-x2 68f3… evict
    ///
    /// Nil when a field cannot be a word of a line.
    var line: String? {
        let fields: [String]
        switch action {
        case .restartPod(let pod, let uid, let evict): fields = ["restartPod", pod, uid, evict ? "evict" : "delete"]
        case .isolate(let pod, let uid, let mode): fields = ["isolate", pod, uid, mode]
        case .scale(let from, let to): fields = ["scale", "\(from)", "\(to)"]
        case .setAutoscalerMinimum(let autoscaler, let from, let to): fields = ["setAutoscalerMinimum", autoscaler, "\(from)", "\(to)"]
        case .rollback(let replicaSet, let revision, let from): fields = ["rollback", replicaSet, "\(revision)", from]
        case .release(let pod, let uid): fields = ["release", pod, uid]
        case .admit(let pod, let uid): fields = ["admit", pod, uid]
        case .rolloutRestart: fields = ["rolloutRestart"]
        case .alert: return nil
        }
        guard Self.isWord(target), settledBy.map(Self.isWord) ?? true, fields.allSatisfy(Self.isWord) else { return nil }
        let head = [
            KubernetesJSON.formatTimestamp(time), target, step?.rawValue ?? "-", succeeded ? "ok" : "failed",
            settledAt.map(KubernetesJSON.formatTimestamp) ?? "-", settledBy ?? "-",
        ]
        return (head + fields).joined(separator: " ")
    }

    /// Reads a ``line``; nil when it is not one.
    init?(line: String) {
        let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard words.count >= 7, let time = KubernetesJSON.parseTimestamp(words[0]), Self.isWord(words[1]) else { return nil }
        let step: RecoveryStep?
        if words[2] == "-" { step = nil } else if let named = RecoveryStep(rawValue: words[2]) { step = named } else { return nil }
        let succeeded: Bool
        switch words[3] {
        case "ok": succeeded = true
        case "failed": succeeded = false
        default: return nil
        }
        let settledAt: Date?
        if words[4] == "-" { settledAt = nil } else if let date = KubernetesJSON.parseTimestamp(words[4]) { settledAt = date } else { return nil }
        let settledBy = words[5] == "-" ? nil : words[5]
        let fields = Array(words[6...])
        guard fields.dropFirst().allSatisfy(Self.isWord), let action = Self.action(fields) else { return nil }
        self.init(time: time, target: words[1], step: step, action: action, succeeded: succeeded, settledAt: settledAt, settledBy: settledBy)
    }

    private static func action(_ fields: [String]) -> Action? {
        switch (fields[0], fields.count) {
        case ("restartPod", 4) where ["evict", "delete"].contains(fields[3]):
            return .restartPod(pod: fields[1], uid: fields[2], evict: fields[3] == "evict")
        case ("isolate", 4):
            return .isolate(pod: fields[1], uid: fields[2], mode: fields[3])
        case ("scale", 3):
            guard let from = Int(fields[1]), let to = Int(fields[2]) else { return nil }
            return .scale(from: from, to: to)
        case ("setAutoscalerMinimum", 4):
            guard let from = Int(fields[2]), let to = Int(fields[3]) else { return nil }
            return .setAutoscalerMinimum(autoscaler: fields[1], from: from, to: to)
        case ("rollback", 4):
            guard let revision = Int(fields[2]) else { return nil }
            return .rollback(replicaSet: fields[1], revision: revision, from: fields[3])
        case ("release", 3):
            return .release(pod: fields[1], uid: fields[2])
        case ("admit", 3):
            return .admit(pod: fields[1], uid: fields[2])
        case ("rolloutRestart", 1):
            return .rolloutRestart
        default:
            return nil
        }
    }

    /// Whether `text` can stand as a word of a line: not empty, not `-` (which stands for nothing), no space.
    private static func isWord(_ text: String) -> Bool {
        !text.isEmpty && text != "-" && !text.contains(" ")
    }
}
