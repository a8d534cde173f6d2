#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// A remembered action is written into the status as one line of text, not as an object: the API server
/// spends on a custom resource's write about twice as much per byte of nested objects as per byte of
/// strings, and the memory holds up to hundreds of actions in an incident (every action of the budget's
/// window, at least the last hour), each written again with every status. A line is also a third
/// shorter. Memory written as objects (by earlier versions) is still read, and an action a line cannot
/// hold (a field that is empty, is `-` or has a space) is written as an object.
///
/// The line: the time, the target, the step (or `-`), `ok` or `failed`, when it settled and the UID of the
/// replacement that settled it (each `-` until then), then the action and its fields:
///
///     2026-12-06T22:48:33.286Z shop/web restartPod ok 2026-12-06T22:48:33.802Z 0a8a… restartPod web-7c9f-x2 68f3… evict
extension RemediationHistory.ActionRecord: Codable {
    private enum CodingKeys: String, CodingKey {
        case time, target, step, action, succeeded, settledAt, settledBy
    }

    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer(), let line = try? container.decode(String.self) {
            guard let record = Self(line: line) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(line)' is not a remembered action")
            }
            self = record
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            time: try container.decode(Date.self, forKey: .time),
            target: try container.decode(String.self, forKey: .target),
            step: try container.decodeIfPresent(RecoveryStep.self, forKey: .step),
            action: try container.decode(Action.self, forKey: .action),
            succeeded: try container.decode(Bool.self, forKey: .succeeded),
            settledAt: try container.decodeIfPresent(Date.self, forKey: .settledAt),
            settledBy: try container.decodeIfPresent(String.self, forKey: .settledBy))
    }

    public func encode(to encoder: any Encoder) throws {
        if let line {
            var container = encoder.singleValueContainer()
            try container.encode(line)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(time, forKey: .time)
        try container.encode(target, forKey: .target)
        try container.encodeIfPresent(step, forKey: .step)
        try container.encode(action, forKey: .action)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encodeIfPresent(settledAt, forKey: .settledAt)
        try container.encodeIfPresent(settledBy, forKey: .settledBy)
    }

    /// The record as one line, or nil when a field cannot be a word of it (then it is written as an object).
    public var line: String? {
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
    public init?(line: String) {
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
