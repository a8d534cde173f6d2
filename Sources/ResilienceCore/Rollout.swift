import KubernetesAPI

/// Where a Deployment's rollout stands, and which revision a rollback would return to.
struct Rollout {
    /// The ReplicaSet of the newest revision.
    let newest: ReplicaSet?
    /// The ReplicaSets of earlier revisions, newest first.
    let earlier: [ReplicaSet]
    /// The new template is not yet fully rolled out: its generation is unobserved, or pods of older
    /// revisions remain. (Fewer updated replicas than desired alone is a scale-up, not a rollout.)
    let inProgress: Bool
    let paused: Bool
    /// Why the rollout counts as in progress, in words.
    let progress: String

    init(_ target: TargetObservation) {
        let deployment = target.deployment
        let byRevision = target.replicaSets.filter { $0.revision != nil }.sorted { $0.revision! > $1.revision! }
        newest = byRevision.first
        earlier = Array(byRevision.dropFirst())
        paused = deployment.spec?.paused == true
        let desired = deployment.spec?.replicas ?? 1
        let status = deployment.status
        let generation = deployment.metadata.generation ?? 0
        if let observed = status?.observedGeneration, observed < generation {
            inProgress = true
            progress = "generation \(generation) not yet observed by the Deployment controller"
        } else if let total = status?.replicas, let updated = status?.updatedReplicas, total > updated {
            inProgress = true
            progress = "\(updated) of \(desired) replicas updated to revision \(newest?.revision.map(String.init) ?? "?"), \(total - updated) old still running"
        } else {
            inProgress = false
            progress = "complete"
        }
    }

    /// The latest earlier revision that a rollback may return to: never one the operator rolled back from,
    /// and only one known healthy (remembered so, or with healthy pods now and none unhealthy).
    func rollbackTarget(verdicts: [PodVerdict], history: RemediationHistory) -> Result<ReplicaSet, Refusal> {
        guard let newest else { return .failure(.init("the Deployment has no ReplicaSet with a revision")) }
        var skipped: [String] = []
        for candidate in earlier {
            let uid = candidate.metadata.uid ?? ""
            let revision = candidate.revision ?? 0
            if history.revisions[uid] == .unhealthy {
                skipped.append("revision \(revision) was rolled back from")
                continue
            }
            if history.revisions[uid] == .healthy { return .success(candidate) }
            let pods = verdicts.filter { $0.templateHash == candidate.templateHash && $0.health != .terminating }
            if pods.contains(where: { $0.health == .healthy }), !pods.contains(where: { $0.health == .unhealthy }) {
                return .success(candidate)
            }
            skipped.append(pods.isEmpty ? "revision \(revision) was never seen healthy" : "revision \(revision) has unhealthy pods")
        }
        let newestRevision = newest.revision ?? 0
        return .failure(.init(skipped.isEmpty
            ? "revision \(newestRevision) is the only revision"
            : "no earlier revision is known healthy (\(skipped.joined(separator: ", ")))"))
    }
}
