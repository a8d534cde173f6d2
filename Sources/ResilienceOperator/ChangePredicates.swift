import KubernetesAPI
import ResilienceCore

/// Which watch events can change a plan, as controller-runtime's predicates decide: an event that
/// cannot change a judgement (a write that changes no field the operator decodes, a policy's own
/// status written back) queues nothing.
///
/// The caches decode only the fields the operator reads, so "equal but for resourceVersion" means
/// "nothing the planner sees changed": a kubelet's status write that changes no condition, container
/// state or restart count, a lease-like annotation bump the operator does not read.
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

    /// Whether a policy changed in what it asks (spec, hence generation), in its identity or labels, or
    /// is going away: the operator's own status writes come back as changes to status alone.
    static func matters(_ new: ResiliencePolicy, previous: ResiliencePolicy?) -> Bool {
        guard let old = previous else { return true }
        return old.metadata.uid != new.metadata.uid || old.metadata.generation != new.metadata.generation || old.spec != new.spec
            || old.metadata.labels != new.metadata.labels || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp
            || old.decodingProblem != new.decodingProblem
    }
}
