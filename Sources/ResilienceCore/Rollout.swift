import KubernetesAPI

/// Where a target's rollout stands, and which revision a rollback would return to: a Deployment's
/// revisions are its ReplicaSets, a StatefulSet's its ControllerRevisions.
struct Rollout {
    /// One revision of the pod template.
    struct Revision {
        /// The UID of the ReplicaSet or ControllerRevision: what the history remembers it by.
        let uid: String
        let name: String
        let number: Int
        /// The label value its pods carry: `pod-template-hash` (a Deployment's) or
        /// `controller-revision-hash` (a StatefulSet's, the ControllerRevision's name).
        let hash: String?
    }

    /// The newest revision: the one the spec's template is.
    let newest: Revision?
    /// Earlier revisions, newest first.
    let earlier: [Revision]
    /// The new template is not yet fully rolled out: its generation is unobserved, or pods of older
    /// revisions remain. (Fewer updated replicas than desired alone is a scale-up, not a rollout.)
    let inProgress: Bool
    let paused: Bool
    /// Why the rollout counts as in progress, in words.
    let progress: String
    /// `ReplicaSet` or `ControllerRevision`, for messages.
    let revisionKind: String

    init(_ target: TargetObservation) {
        var revisions: [Revision]
        switch target.workload {
        case .deployment(let deployment):
            revisionKind = ReplicaSet.kind
            revisions = target.replicaSets.compactMap { set in
                set.revision.map { Revision(uid: set.metadata.uid ?? "", name: set.metadata.name ?? "", number: $0, hash: set.templateHash) }
            }
            revisions.sort { $0.number > $1.number }
            paused = deployment.spec?.paused == true
            let desired = deployment.spec?.replicas ?? 1
            let status = deployment.status
            if target.workload.generationUnobserved {
                inProgress = true
                progress = "generation \(deployment.metadata.generation ?? 0) not yet observed by the Deployment controller"
            } else if let total = status?.replicas, let updated = status?.updatedReplicas, total > updated {
                inProgress = true
                progress = "\(updated) of \(desired) replicas updated to revision \(revisions.first.map { String($0.number) } ?? "?"), \(total - updated) old still running"
            } else {
                inProgress = false
                progress = "complete"
            }
        case .statefulSet(let statefulSet):
            revisionKind = ControllerRevision.kind
            revisions = target.controllerRevisions.map { revision in
                let name = revision.metadata.name ?? ""
                return Revision(uid: revision.metadata.uid ?? "", name: name, number: Int(revision.revision), hash: name)
            }
            // The spec's template is the update revision; a rollback to an old template makes an old
            // ControllerRevision the update revision again (with a new number), so the number decides
            // only when the status has not said yet.
            let update = statefulSet.status?.updateRevision
            revisions.sort { ($0.name == update ? 1 : 0, $0.number) > ($1.name == update ? 1 : 0, $1.number) }
            paused = false
            let status = statefulSet.status
            let desired = statefulSet.spec?.replicas ?? 1
            if target.workload.generationUnobserved {
                inProgress = true
                progress = "generation \(statefulSet.metadata.generation ?? 0) not yet observed by the StatefulSet controller"
            } else if statefulSet.spec?.updateStrategy?.type != "OnDelete", let update, let current = status?.currentRevision, update != current {
                inProgress = true
                progress = "\(status?.updatedReplicas ?? 0) of \(desired) replicas updated to \(update), the others still at \(current)"
            } else {
                inProgress = false
                progress = "complete"
            }
        }
        newest = revisions.first
        earlier = Array(revisions.dropFirst())
    }

    /// The latest earlier revision that a rollback may return to: never one the operator rolled back from,
    /// and only one known healthy (remembered so, or with healthy pods now and none unhealthy).
    func rollbackTarget(verdicts: [PodVerdict], history: RemediationHistory) -> Result<Revision, Refusal> {
        guard let newest else { return .failure(.init("there is no \(revisionKind) with a revision")) }
        var skipped: [String] = []
        for candidate in earlier {
            if history.revisions[candidate.uid] == .unhealthy {
                skipped.append("revision \(candidate.number) was rolled back from")
                continue
            }
            if history.revisions[candidate.uid] == .healthy { return .success(candidate) }
            let pods = verdicts.filter { $0.templateHash == candidate.hash && $0.health != .terminating }
            if pods.contains(where: { $0.health == .healthy }), !pods.contains(where: { $0.health == .unhealthy }) {
                return .success(candidate)
            }
            skipped.append(pods.isEmpty ? "revision \(candidate.number) was never seen healthy" : "revision \(candidate.number) has unhealthy pods")
        }
        return .failure(.init(skipped.isEmpty
            ? "revision \(newest.number) is the only revision"
            : "no earlier revision is known healthy (\(skipped.joined(separator: ", ")))"))
    }
}
