import KubernetesAPI

/// The object a target is: a Deployment or a StatefulSet, with what planning reads of either.
public enum Workload: Sendable, Equatable {
    case deployment(Deployment)
    case statefulSet(StatefulSet)

    public var kind: WorkloadKind {
        switch self {
        case .deployment: return .deployment
        case .statefulSet: return .statefulSet
        }
    }

    public var metadata: ObjectMeta {
        switch self {
        case .deployment(let deployment): return deployment.metadata
        case .statefulSet(let statefulSet): return statefulSet.metadata
        }
    }

    public var key: WorkloadKey {
        WorkloadKey(kind: kind, namespace: metadata.namespace ?? "", name: metadata.name ?? "")
    }

    /// The replicas the spec asks for (1 when unset, as the API server defaults it).
    public var replicas: Int {
        switch self {
        case .deployment(let deployment): return deployment.spec?.replicas ?? 1
        case .statefulSet(let statefulSet): return statefulSet.spec?.replicas ?? 1
        }
    }

    /// Whether its controller has not yet seen the latest spec.
    public var generationUnobserved: Bool {
        let observed: Int64?
        switch self {
        case .deployment(let deployment): observed = deployment.status?.observedGeneration
        case .statefulSet(let statefulSet): observed = statefulSet.status?.observedGeneration
        }
        return (observed ?? 0) < (metadata.generation ?? 0)
    }

    /// The Deployment, when it is one.
    public var deployment: Deployment? {
        if case .deployment(let deployment) = self { return deployment }
        return nil
    }

    /// The StatefulSet, when it is one.
    public var statefulSet: StatefulSet? {
        if case .statefulSet(let statefulSet) = self { return statefulSet }
        return nil
    }
}
