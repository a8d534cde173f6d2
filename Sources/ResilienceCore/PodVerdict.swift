#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The judgement of one pod, with its reasons.
public struct PodVerdict: Sendable, Equatable, Codable {
    public var pod: String
    public var uid: String
    /// The revision it is of: its ReplicaSet's `pod-template-hash`, or its StatefulSet's
    /// `controller-revision-hash` (a ControllerRevision's name).
    public var templateHash: String?
    public var health: PodHealth
    /// When it became unhealthy (for `unhealthy`): when its earliest rule started to hold.
    public var since: Date?
    /// What the rules say: every rule that holds or could not judge.
    public var findings: [Finding]
    /// Set when a missing sample's rule says `freeze`: the finding's message. The policy may not act.
    public var freeze: String?

    public init(pod: String, uid: String, templateHash: String?, health: PodHealth, since: Date? = nil, findings: [Finding] = [], freeze: String? = nil) {
        self.pod = pod
        self.uid = uid
        self.templateHash = templateHash
        self.health = health
        self.since = since
        self.findings = findings
        self.freeze = freeze
    }

    /// Healthy with every sample known: what minHealthy counts. A Ready pod whose metric or probe sample
    /// is missing (`onMissing: ignore`) is healthy as far as is known, which is not enough to disrupt
    /// another pod on its strength.
    public var isKnownHealthy: Bool {
        health == .healthy && !findings.contains { $0.state == .unknown }
    }

    /// The findings in one line, for status and Events.
    public var summary: String {
        findings.isEmpty ? health.rawValue : findings.map(\.message).joined(separator: "; ")
    }
}

/// Where a pod stands.
public enum PodHealth: String, Sendable, Equatable, Codable {
    /// Ready, and no rule holds.
    case healthy
    /// Not Ready, or a rule holds but not yet for the whole `for`: neither counted healthy nor acted on.
    case watching
    /// A rule has held for the whole `for`.
    case unhealthy
    /// Being deleted: neither counted healthy nor judged.
    case terminating
    /// Isolated by the operator, awaiting the next step: neither counted healthy nor judged again.
    case remediating
}
