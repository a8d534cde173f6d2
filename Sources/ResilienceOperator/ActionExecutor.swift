#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import KubernetesClient
import ResilienceCore

/// Carries out one planned action through the API. Every action is idempotent and safe to retry: pod
/// actions hold to the pod's UID, scaling compares and swaps, and an action whose work is already done
/// reports so.
public struct ActionExecutor: Sendable {
    /// The readiness gate the operator owns for isolation by readiness gate.
    public static let servingGate = Action.servingGate
    /// The label a quarantined pod carries, and the annotations that say why and what it was.
    public static let quarantinedLabel = "resilience.dev/quarantined"
    public static let quarantineReasonAnnotation = "resilience.dev/quarantine-reason"
    public static let quarantinedLabelsAnnotation = "resilience.dev/quarantined-labels"

    private let client: KubernetesClient
    /// `policy/v1` or `policy/v1beta1`, as discovery reports served.
    private let policyVersion: String

    public init(client: KubernetesClient, policyVersion: String) {
        self.client = client
        self.policyVersion = policyVersion
    }

    /// How an action ended.
    public enum Outcome: Sendable, Equatable {
        /// Done now, or found already done; the words say which.
        case done(String)
        /// Nothing to do and nothing changed: a release found the gate open already (an earlier release
        /// that the plan had not seen yet).
        case unchanged(String)
        /// Refused by a safety the API enforces (a PodDisruptionBudget) or by a changed precondition:
        /// not done, to be planned again.
        case blocked(String)
        /// An error: not done.
        case failed(String)
    }

    /// Carries out `action` on the target `workload` (a Deployment or a StatefulSet), or on one of its
    /// pods. `serviceLabels`: the label keys the pod's Services select it by, which quarantine removes
    /// along with its ReplicaSet's selector. `judged`: for a rollback, the name of the ReplicaSet (or
    /// ControllerRevision) whose revision was judged unhealthy; the workload is rolled back only while its
    /// template is still that one.
    public func execute(_ action: Action, workload: WorkloadKey, reason: String, serviceLabels: Set<String> = [], judged: String? = nil) async -> Outcome {
        let namespace = workload.namespace
        do {
            switch action {
            case .restartPod(let pod, let uid, true): return try await evict(pod, uid: uid, namespace: namespace)
            case .restartPod(let pod, let uid, false): return try await delete(pod, uid: uid, namespace: namespace)
            case .isolate(let pod, let uid, "quarantine"): return try await quarantine(pod, uid: uid, namespace: namespace, reason: reason, serviceLabels: serviceLabels)
            case .isolate(let pod, let uid, _): return try await closeGate(pod, uid: uid, namespace: namespace, reason: reason)
            case .scale(let from, let to): return try await scale(workload, from: from, to: to)
            case .setAutoscalerMinimum(let name, let from, let to): return try await setMinimum(name, namespace: namespace, from: from, to: to)
            case .rollback(let revisionName, let revision, _): return try await rollback(workload, to: revisionName, revision: revision, judged: judged)
            case .release(let pod, let uid), .admit(let pod, let uid): return try await openGate(pod, uid: uid, namespace: namespace)
            case .rolloutRestart: return try await restart(workload)
            case .alert: return .done("an alert changes nothing in the cluster")
            }
        } catch let error as KubernetesError {
            return .failed("\(error)")
        } catch {
            return .failed("\(error)")
        }
    }

    private func evict(_ pod: String, uid: String, namespace: String) async throws -> Outcome {
        let eviction = Eviction(podName: pod, namespace: namespace, policyVersion: policyVersion, deleteOptions: DeleteOptions(preconditions: .init(uid: uid)))
        do {
            try await client.evict(eviction)
            return .done("evicted pod \(pod)")
        } catch let error as KubernetesError {
            switch error.reason {
            case .tooManyRequests where error.refusedByDisruptionBudget: return .blocked("eviction of \(pod) refused: \(error.message)")
            case .notFound: return .done("pod \(pod) is already gone")
            case .conflict: return .done("pod \(pod) was already replaced (another pod has its name now)")
            default: throw error
            }
        }
    }

    private func delete(_ pod: String, uid: String, namespace: String) async throws -> Outcome {
        do {
            try await client.delete(Pod.self, name: pod, namespace: namespace, options: DeleteOptions(preconditions: .init(uid: uid)))
            return .done("deleted pod \(pod)")
        } catch let error as KubernetesError where error.reason == .notFound {
            return .done("pod \(pod) is already gone")
        } catch let error as KubernetesError where error.reason == .conflict {
            return .done("pod \(pod) was already replaced (another pod has its name now)")
        }
    }

    /// Sets the pod's serving gate False: the pod stops being Ready, and the endpoints drop it.
    private func closeGate(_ name: String, uid: String, namespace: String, reason: String) async throws -> Outcome {
        guard let pod = try await current(name, uid: uid, namespace: namespace) else { return .done("pod \(name) is already gone") }
        guard pod.spec?.readinessGates?.contains(where: { $0.conditionType == Self.servingGate }) == true else {
            return .failed("pod \(name) has no readiness gate \(Self.servingGate): add it to the Deployment's pod template, or use isolation: quarantine")
        }
        if pod.condition(Self.servingGate)?.status == "False" { return .done("pod \(name) is already isolated") }
        let condition = Condition(type: Self.servingGate, status: "False", reason: "IsolatedByResilienceOperator", message: String(reason.prefix(1000)), lastTransitionTime: Date())
        let patch = try KubernetesJSON.encoder().encode(["status": ["conditions": [condition]]])

        _ = try await client.patch(Pod.self, name: name, namespace: namespace, .strategicMerge(Array(patch)), subresource: "status")
        return .done("isolated pod \(name): readiness gate \(Self.servingGate) is False")
    }

    /// Sets the pod's serving gate True (a new pod, or one healthy again): it is Ready once its containers are.
    private func openGate(_ name: String, uid: String, namespace: String) async throws -> Outcome {
        guard let pod = try await current(name, uid: uid, namespace: namespace) else { return .done("pod \(name) is already gone") }
        if pod.condition(Self.servingGate)?.status == "True" { return .unchanged("pod \(name) is serving already") }
        let condition = Condition(type: Self.servingGate, status: "True", reason: "OpenedByResilienceOperator", message: "serving", lastTransitionTime: Date())
        let patch = try KubernetesJSON.encoder().encode(["status": ["conditions": [condition]]])
        _ = try await client.patch(Pod.self, name: name, namespace: namespace, .strategicMerge(Array(patch)), subresource: "status")
        return .done("released pod \(name): readiness gate \(Self.servingGate) is True")
    }

    /// Takes the pod out of its ReplicaSet's selector (and so out of the Service and the ReplicaSet, which
    /// replaces it), keeping it for debugging with what it was and why.
    private func quarantine(_ name: String, uid: String, namespace: String, reason: String, serviceLabels: Set<String>) async throws -> Outcome {
        guard let pod = try await current(name, uid: uid, namespace: namespace) else { return .done("pod \(name) is already gone") }
        if pod.metadata.labels?[Self.quarantinedLabel] == "true" { return .done("pod \(name) is already quarantined") }
        guard let owner = pod.metadata.controllerReference, owner.kind == "ReplicaSet" else {
            return .failed("pod \(name) has no ReplicaSet to take it out of")
        }
        var selector = try await replicaSet(owner.name, namespace: namespace).spec.selector?.matchLabels ?? [:]
        guard !selector.isEmpty else { return .failed("ReplicaSet \(owner.name) selects by expressions only; quarantine needs matchLabels") }
        for key in serviceLabels { selector[key] = pod.metadata.labels?[key] }
        var labels: [String: JSONValue] = [:]
        for key in selector.keys { labels[key] = .null }
        labels[Self.quarantinedLabel] = .string("true")
        let encoder = KubernetesJSON.encoder()
        encoder.outputFormatting = .sortedKeys
        let removed = String(decoding: try encoder.encode(selector), as: UTF8.self)
        let patch: JSONValue = .object(["metadata": .object([
            "labels": .object(labels),
            "annotations": .object([Self.quarantinedLabelsAnnotation: .string(removed), Self.quarantineReasonAnnotation: .string(String(reason.prefix(1000)))]),
        ])])
        _ = try await client.patch(Pod.self, name: name, namespace: namespace, .merge(Array(try KubernetesJSON.encoder().encode(patch))))
        return .done("quarantined pod \(name): labels \(removed) removed, so its ReplicaSet replaces it and its Services drop it")
    }

    /// The pod `name` if it still has `uid`.
    private func current(_ name: String, uid: String, namespace: String) async throws -> Pod? {
        do {
            let pod = try await client.get(Pod.self, name: name, namespace: namespace)
            return pod.metadata.uid == uid ? pod : nil
        } catch let error as KubernetesError where error.reason == .notFound {
            return nil
        }
    }

    private func scale(_ workload: WorkloadKey, from: Int, to: Int) async throws -> Outcome {
        guard workload.kind == .deployment else { return .failed("the operator never scales a \(workload.kind.rawValue)") }
        let deployment = workload.name, namespace = workload.namespace
        // The Deployment controller writes the object all the time: a conflict is retried on a fresh read,
        // as long as the replicas are still those planned from.
        for _ in 0..<5 {
            var scale = try await client.scale(Deployment.self, name: deployment, namespace: namespace)
            let now = scale.spec.replicas ?? 0
            if now == to { return .done("\(deployment) already has \(to) replicas") }
            guard now == from else { return .blocked("\(deployment) has \(now) replicas, not the \(from) planned from: someone else scaled it") }
            scale.spec.replicas = to
            do {
                _ = try await client.updateScale(Deployment.self, scale)
                return .done("scaled \(deployment) from \(from) to \(to) replicas")
            } catch let error as KubernetesError where error.reason == .conflict {
                continue
            }
        }
        return .blocked("\(deployment) kept changing while scaling; planned again")
    }

    private func setMinimum(_ name: String, namespace: String, from: Int, to: Int) async throws -> Outcome {
        let operations = [
            JSONPatchOperation(op: "test", path: "/spec/minReplicas", value: .number(Double(from))),
            JSONPatchOperation(op: "replace", path: "/spec/minReplicas", value: .number(Double(to))),
        ]
        do {
            _ = try await client.patch(HorizontalPodAutoscaler.self, name: name, namespace: namespace, try .json(operations))
        } catch let error as KubernetesError where error.reason == .invalid {
            let current = try await client.get(HorizontalPodAutoscaler.self, name: name, namespace: namespace).spec.minReplicas ?? 1
            return current == to ? .done("HPA \(name) already has minReplicas \(to)") : .blocked("HPA \(name) has minReplicas \(current), not the \(from) planned from")
        }
        return .done("set minReplicas of HPA \(name) from \(from) to \(to)")
    }

    /// Puts the earlier revision's pod template back, as `kubectl rollout undo` does (a ReplicaSet's
    /// template for a Deployment, a ControllerRevision's for a StatefulSet), but only while the workload
    /// still has the template of `judged` (the revision judged unhealthy): a template someone changed since
    /// is theirs to keep. The patch tests the resourceVersion the comparison was made on, so nothing
    /// changes in between; a workload that keeps changing is read again, up to five times.
    private func rollback(_ workload: WorkloadKey, to revisionName: String, revision: Int, judged: String?) async throws -> Outcome {
        let namespace = workload.namespace, name = workload.name
        guard let template = try await self.template(of: revisionName, for: workload.kind, namespace: namespace), case .object = template else {
            return .failed("\(revisionName) has no pod template")
        }
        var bad: JSONValue?
        if let judged { bad = try await self.template(of: judged, for: workload.kind, namespace: namespace) }
        let path = workload.kind == .deployment ? Deployment.path(namespace: namespace, name: name) : StatefulSet.path(namespace: namespace, name: name)
        for _ in 0..<5 {
            let current = try KubernetesJSON.decoder().decode(WorkloadTemplate.self, from: Data(try await client.send(.GET, path)))
            if current.spec.template == template { return .done("\(name) already has the template of revision \(revision)") }
            if let judged, current.spec.template != bad {
                return .blocked("\(name)'s pod template is no longer that of \(judged), the revision judged unhealthy: someone changed it since, and the operator leaves it")
            }
            var operations = [JSONPatchOperation(op: "replace", path: "/spec/template", value: template)]
            if let version = current.metadata.resourceVersion {
                operations.insert(JSONPatchOperation(op: "test", path: "/metadata/resourceVersion", value: .string(version)), at: 0)
            }
            do {
                let patch = try Patch.json(operations)
                _ = try await client.send(.PATCH, path, body: patch.body, contentType: patch.contentType)
                return .done("rolled \(workload.named) back to revision \(revision) (the template of \(revisionName))")
            } catch let error as KubernetesError where error.reason == .invalid {
                continue
            }
        }
        return .blocked("\(name) kept changing while rolling back; planned again")
    }

    /// The pod template of a revision as the workload's spec has it: a ReplicaSet's without its hash
    /// label, or a ControllerRevision's (its data is the patch `{"spec":{"template":{..., "$patch":
    /// "replace"}}}`) without the patch directive.
    private func template(of revision: String, for kind: WorkloadKind, namespace: String) async throws -> JSONValue? {
        switch kind {
        case .deployment:
            return try await replicaSet(revision, namespace: namespace).spec.template.map(Self.withoutHash)
        case .statefulSet:
            let stored = try KubernetesJSON.decoder().decode(
                RevisionData.self, from: Data(try await client.send(.GET, ControllerRevision.path(namespace: namespace, name: revision))))
            guard case .object(let data)? = stored.data, case .object(let spec)? = data["spec"], case .object(var template)? = spec["template"] else { return nil }
            template["$patch"] = nil
            return .object(template)
        }
    }

    /// A ControllerRevision's data (which the projection leaves out).
    private struct RevisionData: Decodable {
        var data: JSONValue?
    }

    /// A pod template without the ReplicaSet's own hash label, which the Deployment's template lacks.
    private static func withoutHash(_ template: JSONValue) -> JSONValue {
        guard case .object(var template) = template else { return template }
        if case .object(var metadata) = template["metadata"], case .object(var labels) = metadata["labels"] {
            labels["pod-template-hash"] = nil
            metadata["labels"] = .object(labels)
            template["metadata"] = .object(metadata)
        }
        return .object(template)
    }

    /// A Deployment's or StatefulSet's resourceVersion and whole pod template.
    private struct WorkloadTemplate: Decodable {
        var metadata: ObjectMeta
        var spec: Spec
        struct Spec: Decodable {
            var template: JSONValue?
        }
    }

    /// A ReplicaSet's selector and whole pod template (which the projection leaves out).
    private func replicaSet(_ name: String, namespace: String) async throws -> ReplicaSetTemplate {
        try KubernetesJSON.decoder().decode(ReplicaSetTemplate.self, from: Data(try await client.send(.GET, ReplicaSet.path(namespace: namespace, name: name))))
    }

    private struct ReplicaSetTemplate: Decodable {
        var spec: Spec
        struct Spec: Decodable {
            var selector: LabelSelector?
            var template: JSONValue?
        }
    }

    /// Rolls every pod, as `kubectl rollout restart` does for both kinds.
    private func restart(_ workload: WorkloadKey) async throws -> Outcome {
        let now = KubernetesJSON.formatTimestamp(Date())
        let patch = Patch.strategicMerge(Array(#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"\#(now)"}}}}}"#.utf8))
        switch workload.kind {
        case .deployment: _ = try await client.patch(Deployment.self, name: workload.name, namespace: workload.namespace, patch)
        case .statefulSet: _ = try await client.patch(StatefulSet.self, name: workload.name, namespace: workload.namespace, patch)
        }
        return .done("restarted \(workload.named) (kubectl.kubernetes.io/restartedAt=\(now))")
    }
}
