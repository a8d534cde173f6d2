import Foundation
import KubernetesAPI
import PropertyBased
import Synchronization
import ResilienceCore
import Testing

/// The planner's safety invariants over random clusters and histories.
@Suite struct PlannerPropertyTests {
    private static let knobs = Gen.int(in: 0...10_000).array(of: 120...120)

    /// Plans a random cluster and checks every invariant on what the plan would execute.
    @Test func safetyInvariantsHoldOnRandomClusters() async throws {
        // What the random plans did, so the test proves it exercised every limit.
        let seen = Mutex<[String: Int]>([:])
        await propertyCheck(count: 400, input: Self.knobs) { knobs in
            let cluster = try RandomCluster(knobs)
            let plan = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: cluster.history, now: cluster.now)
            let policy = cluster.policy
            let executed = plan.executable.filter { if case .alert = $0.action { false } else { true } }
            seen.withLock { seen in
                seen["executed", default: 0] += executed.count
                for decision in plan.decisions { if let check = decision.blockedBy { seen[check.rawValue, default: 0] += 1 } }
            }

            // The same input always gives the same plan.
            #expect(Planner.plan(policy: policy, targets: cluster.targets, history: cluster.history, now: cluster.now) == plan)

            if policy.dryRun { #expect(plan.executable.isEmpty, "dry run executes nothing") }

            // Never more actions than the budget allows in its window.
            if let budget = policy.budget {
                let used = cluster.history.actions.filter { cluster.now.timeIntervalSince($0.time) < budget.window.seconds }.count
                #expect(executed.count <= max(0, budget.count - used), "\(cluster)")
            }

            for target in plan.targets {
                let mine = executed.filter { $0.target == target.target }
                guard !mine.isEmpty else { continue }
                let verdicts = Dictionary(uniqueKeysWithValues: target.verdicts.map { ($0.uid, $0) })
                // Pod actions aim only at pods judged unhealthy.
                for decision in mine {
                    if let uid = decision.action?.podUID { #expect(verdicts[uid]?.health == .unhealthy, "\(decision)") }
                }
                // Never inside a cooldown: at most one action, and the last was a cooldown ago.
                #expect(mine.count == 1, "\(mine)")
                if let last = cluster.history.actions.last(where: { $0.target == target.target }) {
                    #expect(cluster.now.timeIntervalSince(last.time) >= policy.cooldown.seconds, "\(target.target): \(mine)")
                }
                // Never above maxUnhealthy, counting in-flight disruptions as unhealthy: the unhealthy fraction is
                // compared with the share, so the ceiling rounds toward safety (down).
                if case .percent(let share) = policy.maxUnhealthy {
                    #expect(target.down * 100 <= share * target.desired, "\(target)")
                }
                #expect(target.down <= policy.maxUnhealthy.atMost(of: target.desired), "\(target)")
                #expect(target.down >= max(target.unhealthy, target.inFlight) && target.down <= target.unhealthy + target.inFlight, "\(target)")
                // Never more than maxInFlight disruptions outstanding.
                let disruptions = mine.filter { $0.action?.isDisruption == true }.count
                if disruptions > 0 { #expect(target.inFlight + disruptions <= policy.maxInFlight, "\(target)") }
                // Never below minHealthy: pod actions take no healthy pod; rollouts take maxUnavailable.
                let healthy = target.verdicts.filter { $0.health == .healthy }.count
                #expect(healthy == target.healthy)
                if mine.contains(where: { $0.action?.isDisruption == true }) {
                    #expect(healthy >= policy.minHealthy.atLeast(of: target.desired), "\(target)")
                    if case .percent(let share) = policy.minHealthy { #expect(healthy * 100 >= share * target.desired, "\(target)") }
                    // Only pods known healthy count: none with an unknown sample.
                    #expect(target.verdicts.filter(\.isKnownHealthy).count >= policy.minHealthy.atLeast(of: target.desired), "\(target)")
                }
            }
        }
        let counts = seen.withLock { $0 }
        for check in ["executed", "cooldown", "budget", "maxInFlight", "minHealthy", "maxUnhealthy", "loopBreaker", "rollout"] {
            #expect(counts[check, default: 0] > 0, "no random plan exercised \(check): \(counts)")
        }
    }

    /// Executing a plan and planning again at once never acts twice on a Deployment within the cooldown.
    @Test func replanningRightAfterExecutingDoesNotActAgain() async throws {
        await propertyCheck(count: 200, input: Self.knobs) { knobs in
            let cluster = try RandomCluster(knobs)
            let plan = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: cluster.history, now: cluster.now)
            var history = plan.history
            for decision in plan.executable { history.record(decision, at: cluster.now, succeeded: true) }
            let again = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: history, now: cluster.now.addingTimeInterval(0.5))
            let acted = Set(plan.executable.filter { $0.action.map { if case .alert = $0 { false } else { true } } ?? false }.map(\.target))
            #expect(again.executable.filter { acted.contains($0.target) && $0.action.map { if case .alert = $0 { false } else { true } } == true }.isEmpty)
        }
    }

    /// A plan changes with time alone only at its `wakeAt`: planned again just after now and just before
    /// the wake time, with nothing else changed, every verdict and decision is the same. This is what lets
    /// the operator sleep until `wakeAt` instead of polling.
    @Test func nothingChangesBeforeTheWakeTime() async throws {
        let woke = Mutex(0)
        await propertyCheck(count: 400, input: Self.knobs) { knobs in
            let cluster = try RandomCluster(knobs)
            let first = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: cluster.history, now: cluster.now)
            let soon = cluster.now.addingTimeInterval(0.001)
            let last = (first.wakeAt ?? cluster.now.addingTimeInterval(7 * 86_400)).addingTimeInterval(-0.001)
            guard last > soon else { return }
            if first.wakeAt != nil { woke.withLock { $0 += 1 } }
            let early = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: first.history, now: soon)
            let late = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: first.history, now: last)
            #expect(Shape(early) == Shape(late), "wakeAt \(String(describing: first.wakeAt)) after \(cluster.now): \(cluster)")
            #expect(late.wakeAt == first.wakeAt || first.wakeAt == nil, "the wake time stays put while nothing changes")
        }
        #expect(woke.withLock { $0 } > 50, "few random plans had a timed rule pending")
    }

    /// Planning only the targets that need it (the one whose objects changed, those a timed rule or an
    /// action made due) with the others' last plans kept decides what planning every target decides,
    /// and remembers the same: the operator may skip the targets nothing happened to.
    @Test func planningOnlyTheChangedTargetDecidesAsPlanningAll() async throws {
        let kept = Mutex(0)
        await propertyCheck(count: 400, input: Self.knobs) { knobs in
            let cluster = try RandomCluster(knobs)
            let first = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: cluster.history, now: cluster.now)
            var history = first.history
            for decision in first.executable { history.record(decision, at: cluster.now, succeeded: true) }
            for decision in first.decisions { history.rehearse(decision, at: cluster.now) }
            // One target changes: its newest pod goes away.
            var targets = cluster.targets
            let changed = knobs[0] % targets.count
            targets[changed].pods.removeLast()
            let later = cluster.now.addingTimeInterval(0.5)
            let acted = first.decisions.filter { $0.executes || $0.disposition == .dryRun }.map(\.target)
            // Dry runs too: what they admit is rehearsed, as what is carried out is recorded.
            let replanning = Set([Planner.key(targets[changed])] + acted + first.targets.filter { $0.isDue(at: later) }.map(\.target))
            let part = Planner.plan(
                policy: cluster.policy, targets: targets.filter { replanning.contains(Planner.key($0)) },
                unchanged: first.targets.filter { !replanning.contains($0.target) }, replaced: first.targets.filter { replanning.contains($0.target) },
                history: history, now: later)
            let full = Planner.plan(policy: cluster.policy, targets: targets, history: history, now: later)
            if replanning.count < targets.count { kept.withLock { $0 += 1 } }
            var replanned = full
            replanned.decisions = full.decisions.filter { replanning.contains($0.target) }
            #expect(Shape(part) == Shape(replanned), "\(cluster)")
            #expect(part.history == full.history, "\(cluster), planning again \(replanning.sorted())")
            #expect(part.wakeAt == full.wakeAt, "\(cluster), planning again \(replanning.sorted())")
            #expect(part.targets.map(\.target) == full.targets.map(\.target))
        }
        #expect(kept.withLock { $0 } > 25, "few random plans kept a target")
    }

    /// The memory a status carries, written as JSON and read back (as a restarted operator or a new leader
    /// reads it), plans what the memory it was written from plans: nothing the planner needs is lost or
    /// changed on the way (restart samples and `for` timers are not carried, on both sides).
    @Test func aStatusWrittenAndReadBackPlansTheSame() async throws {
        await propertyCheck(count: 300, input: Self.knobs) { knobs in
            let cluster = try RandomCluster(knobs)
            let first = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: cluster.history, now: cluster.now)
            var meant = first.history
            for decision in first.executable { meant.record(decision, at: cluster.now.addingTimeInterval(0.123_456), succeeded: knobs[1] % 4 != 0) }
            meant.pods = [:]
            let read = try KubernetesJSON.decoder().decode(RemediationHistory.self, from: try KubernetesJSON.encoder().encode(meant))
            for seconds in [0.5, 61, 121, 3601] {
                let later = cluster.now.addingTimeInterval(seconds)
                let fromMeant = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: meant, now: later)
                let fromRead = Planner.plan(policy: cluster.policy, targets: cluster.targets, history: read, now: later)
                #expect(Shape(fromMeant) == Shape(fromRead), "\(seconds)s later: \(cluster)")
            }
        }
    }

    /// Several policies on the same Deployments, some invalid or being deleted, each asking in its own order
    /// whether it owns them: exactly one that can act does, so the disruptions in flight on a Deployment
    /// never exceed the owner's maxInFlight, however many policies protect it.
    @Test func neverMoreDisruptionsInFlightPerDeploymentThanMaxInFlightAcrossPolicies() async throws {
        await propertyCheck(count: 200, input: Self.knobs) { knobs in
            let clusters = try (0..<3).map { shift in try RandomCluster(Array(knobs.dropFirst(shift * 5)) + knobs.prefix(shift * 5)) }
            let created = Date(timeIntervalSince1970: 1_700_000_000)
            let policies = try clusters.indices.map { index in
                let spec = knobs[100 + index] % 5 == 0 ? #"{"safety":{"maxInFlight":0}}"# : clusters[index].spec
                let deleting = knobs[103 + index] % 7 == 0 ? #","deletionTimestamp":"2026-01-01T00:00:00Z""# : ""
                let json = #"{"metadata":{"name":"p\#(index)","namespace":"ns","uid":"uid-\#(index)","creationTimestamp":"\#(KubernetesJSON.formatTimestamp(created.addingTimeInterval(Double(knobs[106 + index] % 3))))"\#(deleting)},"spec":{"targetRef":{"kind":"Deployment","name":"web"},"# + spec.dropFirst() + "}"
                return try KubernetesJSON.decoder().decode(ResiliencePolicy.self, from: Data(json.utf8))
            }
            let owners = policies.indices.filter { index in
                var view = policies
                view.swapAt(0, index)
                if knobs[109 + index] % 2 == 0 { view.reverse() }
                return PolicyOverlap.owner(among: view)?.metadata.uid == policies[index].metadata.uid
            }
            let able = policies.indices.filter { PolicyOverlap.canOwn(policies[$0]) }
            #expect(owners.count == min(1, able.count), "owners \(owners) of \(able)")
            guard let owner = owners.first else { return }
            let cluster = clusters[0]
            let effective = try Scenario.policy(clusters[owner].spec)
            let plan = Planner.plan(policy: effective, targets: cluster.targets, history: cluster.history, now: cluster.now)
            for target in plan.targets {
                let disruptions = plan.executable.filter { $0.target == target.target && $0.action?.isDisruption == true }.count
                if disruptions > 0 { #expect(target.inFlight + disruptions <= effective.maxInFlight, "\(target)") }
            }
        }
    }

    /// What a plan decides, without the words (which quote elapsed times).
    private struct Shape: Equatable {
        var verdicts: [String]
        var decisions: [String]

        init(_ plan: Plan) {
            verdicts = plan.targets.flatMap { target in target.verdicts.map { "\(target.target) \($0.uid) \($0.health)" } }
            decisions = plan.decisions.compactMap { decision in
                guard let action = decision.action else { return nil }
                let what: String = if case .alert = action { "alert" } else { "\(action)" }
                return "\(decision.target) \(what) \(decision.disposition) \(decision.blockedBy.map(\.rawValue) ?? "-")"
            }
        }
    }
}
