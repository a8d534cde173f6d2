#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import OperatorRuntime
import ResilienceCore

/// Undoes what a policy holds before it goes, through the finalizer ``name``: a policy deleted while a
/// pod is isolated or its Deployment scaled up would otherwise leave the gate closed and the replicas
/// (or an HPA's minReplicas) raised for good.
///
/// Before the policy goes, the operator reopens the serving gates it closed, and returns replicas and
/// HPA minimums it raised to what they were, unless someone else changed them since (their value
/// stands). Quarantined pods stay as they are: they are out of their ReplicaSet already, kept for
/// debugging. Then it removes the finalizer. If the operator is uninstalled first, remove the finalizer
/// by hand (`kubectl patch rp NAME --type=merge -p '{"metadata":{"finalizers":null}}'`).
struct PolicyFinalizer: Sendable {
    /// The finalizer the operator holds on every policy.
    static let name = "resilience.dev/undo"

    let client: KubernetesClient
    let caches: OperatorCaches
    let executor: ActionExecutor

    /// Adds the finalizer to a policy that lacks it, holding to the resourceVersion it was read at. A
    /// conflict leaves it to the next reconcile (the cache may simply not have seen an earlier add yet).
    func hold(_ policy: ResiliencePolicy) async throws {
        guard policy.metadata.deletionTimestamp == nil, !(policy.metadata.finalizers ?? []).contains(Self.name),
              let name = policy.metadata.name, let namespace = policy.metadata.namespace else { return }
        struct Body: Encodable {
            struct Metadata: Encodable {
                var resourceVersion: String?
                var finalizers: [String]
            }
            var metadata: Metadata
        }
        let body = Body(metadata: .init(resourceVersion: policy.metadata.resourceVersion, finalizers: (policy.metadata.finalizers ?? []) + [Self.name]))
        do {
            _ = try await client.patch(ResiliencePolicy.self, name: name, namespace: namespace, try .merge(encoding: body))
        } catch let error as KubernetesError where error.reason == .conflict {
            return
        }
    }

    /// What was undone, in words, with the target each concerned; throws when something could not be
    /// (the finalizer stays, and the reconcile is tried again).
    func release(_ policy: ResiliencePolicy, history: RemediationHistory) async throws -> [(what: String, workload: WorkloadKey)] {
        guard let name = policy.metadata.name, let namespace = policy.metadata.namespace,
              let index = policy.metadata.finalizers?.firstIndex(of: Self.name) else { return [] }
        var undone: [(what: String, workload: WorkloadKey)] = []
        var failures: [String] = []
        for (action, workload) in Self.undoing(history, namespace: namespace, caches: caches) {
            switch await executor.execute(action, workload: workload, reason: "policy \(name) is deleted") {
            case .done(let what): undone.append((what, workload))
            case .unchanged, .blocked: break
            case .failed(let why): failures.append("\(action.summary): \(why)")
            }
        }
        guard failures.isEmpty else { throw Unfinished(failures: failures) }
        let operations = [
            JSONPatchOperation(op: "test", path: "/metadata/finalizers/\(index)", value: .string(Self.name)),
            JSONPatchOperation(op: "remove", path: "/metadata/finalizers/\(index)"),
        ]
        _ = try await client.patch(ResiliencePolicy.self, name: name, namespace: namespace, try .json(operations))
        return undone
    }

    /// The actions that undo what `history` says the policy holds, as the caches show the cluster now:
    /// each with the target it concerns.
    static func undoing(_ history: RemediationHistory, namespace: String, caches: OperatorCaches) -> [(Action, WorkloadKey)] {
        var actions: [(Action, WorkloadKey)] = []
        for record in history.actions where record.succeeded && record.settledAt == nil {
            guard case .isolate(let pod, let uid, "readinessGate") = record.action,
                  let current = caches.pods.store.get(ObjectKey(namespace: namespace, name: pod)), current.metadata.uid == uid,
                  current.condition(Action.servingGate)?.status == "False", let workload = WorkloadKey(record.target) else { continue }
            actions.append((.release(pod: pod, uid: uid), workload))
        }
        for (target, scaled) in history.scaledFrom.sorted(by: { $0.key < $1.key }) {
            // Only Deployments are ever scaled up.
            guard let deployment = WorkloadKey(target) else { continue }
            if let autoscaler = scaled.autoscaler {
                guard let current = caches.autoscalers.store.get(ObjectKey(namespace: namespace, name: autoscaler))?.spec.minReplicas,
                      current != scaled.replicas, scaled.set.map({ $0 == current }) ?? true else { continue }
                actions.append((.setAutoscalerMinimum(autoscaler: autoscaler, from: current, to: scaled.replicas), deployment))
            } else {
                guard let current = caches.deployments.store.get(deployment.object)?.spec?.replicas,
                      current > scaled.replicas, scaled.set.map({ $0 == current }) ?? true else { continue }
                actions.append((.scale(from: current, to: scaled.replicas), deployment))
            }
        }
        return actions
    }

    /// Some of what the policy holds could not be undone yet.
    struct Unfinished: Error, CustomStringConvertible {
        var failures: [String]
        var description: String { "cannot undo what the deleted policy holds: \(failures.joined(separator: "; "))" }
    }
}
