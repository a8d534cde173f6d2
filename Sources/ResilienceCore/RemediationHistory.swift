#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the operator remembers between observations: restart counts, when rules started to hold, the
/// actions it took, each Deployment's place on the ladder, and which revisions were healthy.
///
/// The planner returns an updated copy with every plan; the operator adds what it executed with
/// ``record(_:at:succeeded:)``. It is a value, so a plan can be replayed and explained. How the status
/// holds it: `RemediationHistory+Coding`.
public struct RemediationHistory: Sendable, Equatable {
    /// By pod UID: a pod that its ReplicaSet replaced has a new UID and starts fresh.
    public var pods: [String: PodMemory] = [:]
    /// Executed actions, oldest first.
    public var actions: [ActionRecord] = []
    /// By Deployment (`namespace/name`): the open remediation episode.
    public var episodes: [String: Episode] = [:]
    /// By target: when its recent relapses opened (episodes that came back after remediation, in which
    /// the operator acted), for the loop breaker.
    public var episodeStarts: [String: [Date]] = [:]
    /// By ReplicaSet UID: whether its revision proved healthy or was rolled back from.
    public var revisions: [String: RevisionVerdict] = [:]
    /// By Deployment: the size it had before the operator scaled it up.
    public var scaledFrom: [String: ScaleMemory] = [:]
    /// What was read and skipped: actions (lines of `done`, objects of `actions`) and parts left empty,
    /// each with its place (`done[3]`, `actions[0].action`, `episodes.shop/web.step`) and what is wrong: a
    /// hand edit, or what a later version writes that this one cannot read. Skipping one keeps the rest
    /// of the memory (the budget's and the cooldowns' count of every other action). Never written: the
    /// next status leaves them out.
    public internal(set) var unread: [ValidationProblem] = []

    public init() {}

    /// What is remembered of one pod.
    public struct PodMemory: Sendable, Equatable, Codable {
        /// Total restart counts as observed, each time it changed, oldest first.
        public var restarts: [RestartSample] = []
        /// By rule: when the operator first saw the rule hold, for rules that carry no time of their own.
        public var holdingSince: [String: Date] = [:]

        public init() {}

        /// Nothing remembered: such a pod is not kept in the history (an absent pod reads as empty).
        public var isEmpty: Bool { restarts.isEmpty && holdingSince.isEmpty }
    }

    /// A pod's total restart count at a time.
    public struct RestartSample: Sendable, Equatable, Codable {
        public var time: Date
        public var count: Int
    }

    /// One executed action.
    public struct ActionRecord: Sendable, Equatable, Codable {
        public var time: Date
        public var target: String
        public var step: RecoveryStep?
        public var action: Action
        public var succeeded: Bool
        /// Set once a Ready replacement took the disruption's place (or the rollout finished).
        public var settledAt: Date?
        /// The UID of the Ready replacement that settled the disruption: it settles no other.
        public var settledBy: String?

        public init(time: Date, target: String, step: RecoveryStep?, action: Action, succeeded: Bool, settledAt: Date? = nil, settledBy: String? = nil) {
            self.time = time
            self.target = target
            self.step = step
            self.action = action
            self.succeeded = succeeded
            self.settledAt = settledAt
            self.settledBy = settledBy
        }
    }

    /// A Deployment's climb up the ladder, from its first unhealthy pod until it is healthy again.
    public struct Episode: Sendable, Equatable, Codable {
        public var openedAt: Date
        /// The index of the current step in the ladder.
        public var step: Int
        /// When the current step first acted: the outcome is checked a stepTimeout later.
        public var stepStartedAt: Date?
        /// `uid/step` of every pod action taken in this episode: a pod gets each step once.
        public var acted: Set<String> = []
        /// Whether the episode opened as the target coming back after remediation (the loop breaker
        /// counts these); nil in memory written before it was kept, read as not.
        public var relapse: Bool?

        public init(openedAt: Date, step: Int, stepStartedAt: Date? = nil, acted: Set<String> = [], relapse: Bool? = nil) {
            self.openedAt = openedAt
            self.step = step
            self.stepStartedAt = stepStartedAt
            self.acted = acted
            self.relapse = relapse
        }
    }

    /// Whether a revision was healthy.
    public enum RevisionVerdict: String, Sendable, Equatable, Codable {
        case healthy
        /// The operator rolled back from it: never roll back to it.
        case unhealthy
    }

    /// The size to return to.
    public struct ScaleMemory: Sendable, Equatable, Codable {
        /// The Deployment's replicas, or the autoscaler's minReplicas when one owns the replicas.
        public var replicas: Int
        /// The autoscaler whose minimum was raised, if any.
        public var autoscaler: String?
        /// What the operator set: a different value later is someone else's, and is not undone.
        public var set: Int?

        public init(replicas: Int, autoscaler: String? = nil, set: Int? = nil) {
            self.replicas = replicas
            self.autoscaler = autoscaler
            self.set = set
        }
    }

    /// Adds what a dry run would have carried out, as if it had and its disruption were replaced at once:
    /// the ladder, cooldown and budget then go on as the real run would, so an SRE sees the whole course
    /// before enabling the policy. Scale-ups and rollbacks leave no memory to undo (nothing was changed).
    public mutating func rehearse(_ decision: Decision, at time: Date) {
        guard decision.disposition == .dryRun, let action = decision.action else { return }
        switch action {
        case .alert, .release, .admit: return
        default: break
        }
        var executed = decision
        executed.disposition = .execute
        let scaled = scaledFrom[decision.target], revisions = self.revisions
        record(executed, at: time, succeeded: true)
        scaledFrom[decision.target] = scaled
        self.revisions = revisions
        actions[actions.count - 1].settledAt = time
    }

    /// Adds an action the operator carried out (or tried to), and moves the episode on. A failed attempt
    /// starts its step's outcome clock too: it is tried again after the cooldown, and once a stepTimeout
    /// passed with pods still unhealthy the ladder moves on (and at its end alerts for a human), so a step
    /// that cannot succeed is neither retried forever nor silent.
    public mutating func record(_ decision: Decision, at time: Date, succeeded: Bool) {
        guard let action = decision.action, decision.disposition == .execute else { return }
        if case .alert = action { return }
        actions.append(ActionRecord(time: time, target: decision.target, step: decision.step, action: action, succeeded: succeeded))
        if decision.step != nil, var episode = episodes[decision.target] {
            if episode.stepStartedAt == nil { episode.stepStartedAt = time }
            episodes[decision.target] = episode
            // The loop breaker counts relapses in which the operator acted, from their opening.
            if episode.relapse == true, episodeStarts[decision.target]?.contains(episode.openedAt) != true {
                episodeStarts[decision.target, default: []].append(episode.openedAt)
            }
        }
        guard succeeded else { return }
        if decision.step != nil, var episode = episodes[decision.target] {
            if let step = decision.step {
                // A pod gets each step once; a Deployment step (scaleUp, rollback, rolloutRestart) acts once an episode.
                episode.acted.insert("\(action.podUID ?? "deployment")/\(step.rawValue)")
            }
            episodes[decision.target] = episode
        }
        switch action {
        case .scale(let from, let to) where decision.step == .scaleUp:
            scaledFrom[decision.target] = ScaleMemory(replicas: from, set: to)
        case .setAutoscalerMinimum(let name, let from, let to) where decision.step == .scaleUp:
            scaledFrom[decision.target] = ScaleMemory(replicas: from, autoscaler: name, set: to)
        case .scale, .setAutoscalerMinimum:
            scaledFrom[decision.target] = nil
        case .rollback(_, _, let from):
            revisions[from] = .unhealthy
        default:
            break
        }
    }
}
