import Foundation
import KubernetesAPI
import ResilienceCore
import TestSupport

/// Targets built from objects the real API server returned (hack/capture-fixtures.sh), and policies as
/// users write them.
enum Scenario {
    /// Deployment `web`: rollout complete, 3 replicas, one pod (``crashing``) crash-looping after an
    /// OOM kill (4 restarts, Ready=False), the two others Ready.
    static func stable() throws -> TargetObservation {
        TargetObservation(
            deployment: try decode(Deployment.self, "stable-deployment.json"),
            replicaSets: try decode(ResourceList<ReplicaSet>.self, "stable-replicaset-list.json").items,
            pods: try decode(ResourceList<Pod>.self, "stable-pod-list.json").items)
    }

    /// Deployment `shop` in the middle of a rollout to revision 2: three Ready pods of revision 1 (one of
    /// them terminating), a Pending replacement, one crash-looping pod of revision 2, a
    /// PodDisruptionBudget (minAvailable 2) and a HorizontalPodAutoscaler (3 to 6).
    static func rollout() throws -> TargetObservation {
        TargetObservation(
            deployment: try decode(Deployment.self, "rollout-deployment.json"),
            replicaSets: try decode(ResourceList<ReplicaSet>.self, "rollout-replicaset-list.json").items,
            pods: try decode(ResourceList<Pod>.self, "rollout-pod-list.json").items,
            disruptionBudgets: try decode(ResourceList<PodDisruptionBudget>.self, "rollout-pdb-list.json").items,
            autoscaler: try decode(HorizontalPodAutoscaler.self, "rollout-hpa.json"))
    }

    /// StatefulSet `cache`: 3 replicas, rollout complete, its two highest ordinals (cache-1, cache-2)
    /// crash-looping after an OOM kill, cache-0 Ready.
    static func statefulSetStable() throws -> TargetObservation {
        TargetObservation(
            workload: .statefulSet(try decode(StatefulSet.self, "statefulset-stable.json")),
            controllerRevisions: try decode(ResourceList<ControllerRevision>.self, "statefulset-stable-revisions.json").items,
            pods: try decode(ResourceList<Pod>.self, "statefulset-stable-pods.json").items)
    }

    /// StatefulSet `db` in the middle of a rollout to revision 2: the controller replaced db-2 first, and
    /// it crash-loops; db-0 and db-1 are Ready at revision 1.
    static func statefulSetRollout() throws -> TargetObservation {
        TargetObservation(
            workload: .statefulSet(try decode(StatefulSet.self, "statefulset-rollout.json")),
            controllerRevisions: try decode(ResourceList<ControllerRevision>.self, "statefulset-rollout-revisions.json").items,
            pods: try decode(ResourceList<Pod>.self, "statefulset-rollout-pods.json").items)
    }

    /// The crash-looping pod of ``stable()``.
    static var crashing: String {
        (try? stable().pods.first { $0.status?.containerStatuses?.first?.restartCount == 4 }?.metadata.name) ?? "missing"
    }

    /// A Ready pod of ``stable()``.
    static var healthy: String {
        (try? stable().pods.first { $0.isReady }?.metadata.name) ?? "missing"
    }

    /// The policy whose spec is `spec` (JSON, as in a manifest) with a targetRef added, read as the
    /// operator reads it.
    static func policy(_ spec: String) throws -> EffectivePolicy {
        let targeted = #"{"targetRef":{"kind":"Deployment","name":"web"},"# + spec.dropFirst()
        return try EffectivePolicy(try KubernetesJSON.decoder().decode(PolicySpec.self, from: Data(targeted.utf8)))
    }

    /// A time `seconds` after the newest timestamp of the stable fixture's pods.
    static func after(_ seconds: TimeInterval, _ target: TargetObservation) -> Date {
        let times = target.pods.flatMap { pod in
            [pod.metadata.creationTimestamp] + (pod.status?.conditions ?? []).map(\.lastTransitionTime)
        }.compactMap { $0 }
        return (times.max() ?? Date(timeIntervalSince1970: 0)).addingTimeInterval(seconds)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ fixture: String) throws -> T {
        try KubernetesJSON.decoder().decode(type, from: Fixture.data(fixture))
    }
}

extension TargetObservation {
    /// The pod named `name`, changed by `change`.
    func changing(_ name: String, _ change: (inout Pod) -> Void) -> TargetObservation {
        var copy = self
        copy.pods = pods.map { pod in
            guard pod.metadata.name == name else { return pod }
            var changed = pod
            change(&changed)
            return changed
        }
        return copy
    }

    func pod(_ name: String) -> Pod? { pods.first { $0.metadata.name == name } }

    /// The names of the pods, sorted.
    var podNames: [String] { pods.compactMap(\.metadata.name).sorted() }
}

extension Pod {
    /// Sets the condition `type` (adding it when missing), as the kubelet or the operator would.
    mutating func set(_ type: String, _ value: String, at time: Date) {
        var conditions = status?.conditions ?? []
        if let index = conditions.firstIndex(where: { $0.type == type }) {
            conditions[index].status = value
            conditions[index].lastTransitionTime = time
        } else {
            conditions.append(Condition(type: type, status: value, lastTransitionTime: time))
        }
        status?.conditions = conditions
    }

    /// Marks the pod Ready with its containers running, as the kubelet would after a recovery.
    mutating func makeReady(at time: Date) {
        guard var status else { return }
        status.conditions = (status.conditions ?? []).map { condition in
            var condition = condition
            if condition.type == "Ready" || condition.type == "ContainersReady" {
                condition.status = "True"
                condition.reason = nil
                condition.lastTransitionTime = time
            }
            return condition
        }
        status.containerStatuses = status.containerStatuses?.map { container in
            var container = container
            container.ready = true
            container.state = ContainerStatus.State(running: .init(startedAt: time))
            return container
        }
        self.status = status
    }
}

extension TargetObservation {
    /// The Deployment of a Deployment target, to change in a test.
    var deployment: Deployment {
        get { workload.deployment! }
        set { workload = .deployment(newValue) }
    }
}
