import KubernetesAPI
import ResilienceCore

/// Which watch events can change a plan, as controller-runtime's predicates decide: an event that
/// cannot change a judgement (a write that changes no field the operator decodes, a policy's own
/// status written back) queues nothing.
///
/// The caches decode only the fields the operator reads, so "equal but for resourceVersion" means
/// "nothing the planner sees changed": a kubelet's status write that changes no condition, container
/// state or restart count, a lease-like annotation bump the operator does not read.
///
/// Of the pod changes that do matter, only new trouble is planned at once (``urgent(_:previous:)``);
/// the rest wait ``unhurried``, to be planned together.
enum ChangePredicates {
    /// Whether a new or changed object, given the version the cache held before, can change a plan.
    ///
    /// An object already being deleted that only moves its deletion time (a kubelet deleting a
    /// terminating pod at once, with grace 0) changes no plan either: the planner reads whether an object
    /// is being deleted, never when it goes.
    static func matters<Resource: KubernetesResource & Equatable>(_ new: Resource, previous: Resource?) -> Bool {
        guard var old = previous else { return true }
        var new = new
        old.metadata.resourceVersion = nil
        new.metadata.resourceVersion = nil
        if old.metadata.deletionTimestamp != nil, new.metadata.deletionTimestamp != nil {
            old.metadata.deletionTimestamp = new.metadata.deletionTimestamp
        }
        return old != new
    }

    /// How long a pod's change that matters but is not ``urgent(_:previous:)`` may wait to be planned,
    /// with whatever else changes meanwhile. An eviction's aftermath (the pod terminating, its replacement
    /// created, scheduled and started, the pod gone) is planned once instead of once per event.
    static let unhurried: Duration = .milliseconds(500)

    /// Whether a pod's change may call for an action now: it shows trouble its previous version did not (a
    /// restart; a container waiting on anything but its start, or terminated; the phase `Failed` or
    /// `Unknown`; Ready lost).
    ///
    /// Any other change can only end trouble, start a timer the planner counts from the pod's own times
    /// (`pendingFor` from its creation, `notReadyFor` from its Ready condition's transition), or change
    /// which pods count (a pod created, scheduled, started, being deleted or gone): planned
    /// ``unhurried`` later, it is acted on no later than it would have been, save for what waited on
    /// capacity (an action held by `minHealthy` or `maxInFlight`, a new pod's serving gate) and a `for`
    /// over a start's waiting reason a policy names, which wait that much longer. A pod being deleted is
    /// never urgent: it is going, and its replacement is what is judged next.
    static func urgent(_ pod: Pod, previous: Pod?) -> Bool {
        guard pod.metadata.deletionTimestamp == nil else { return false }
        if previous?.isReady == true, !pod.isReady { return true }
        let before = previous.map(troubles) ?? []
        return troubles(pod).contains { !before.contains($0) }
    }

    /// One thing a pod shows that the health rules may judge at once.
    private enum Trouble: Equatable {
        case phase(String)
        case restarted(container: String, count: Int)
        case waiting(container: String, reason: String)
        case terminated(container: String, reason: String?, exitCode: Int)
    }

    /// What a pod shows that the health rules may judge at once: each container's restarts, its waiting
    /// reason (but a start's) and its termination, and a failed or lost phase. A pod has a few containers,
    /// so a list compared by scanning will do: no strings built, nothing hashed.
    private static func troubles(_ pod: Pod) -> [Trouble] {
        var found: [Trouble] = []
        if let phase = pod.status?.phase, phase == "Failed" || phase == "Unknown" { found.append(.phase(phase)) }
        for container in pod.status?.containerStatuses ?? [] {
            if container.restartCount > 0 { found.append(.restarted(container: container.name, count: container.restartCount)) }
            if let reason = container.state?.waiting?.reason, !starting.contains(reason) {
                found.append(.waiting(container: container.name, reason: reason))
            }
            if let ended = container.state?.terminated {
                found.append(.terminated(container: container.name, reason: ended.reason, exitCode: ended.exitCode))
            }
        }
        return found
    }

    /// The waiting reasons of a container that is starting.
    private static let starting: Set<String> = ["ContainerCreating", "PodInitializing"]

    /// Whether a policy changed in what it asks (spec, hence generation), in its identity or labels, or
    /// is going away: the operator's own status writes come back as changes to status alone.
    static func matters(_ new: ResiliencePolicy, previous: ResiliencePolicy?) -> Bool {
        guard let old = previous else { return true }
        return old.metadata.uid != new.metadata.uid || old.metadata.generation != new.metadata.generation || old.spec != new.spec
            || old.metadata.labels != new.metadata.labels || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp
            || old.decodingProblem != new.decodingProblem
    }
}
