import KubernetesAPI

/// Maps an object to the owner a controller reconciles, through controller references, reading the
/// owners in between from their caches (never from the API): a Pod to its Deployment through its
/// ReplicaSet.
public enum OwnerChain {
    /// The key of the controller of the object with `metadata`, when that controller is of `kind`.
    public static func controller(of metadata: ObjectMeta, kind: String) -> ObjectKey? {
        guard let owner = metadata.controllerReference, owner.kind == kind else { return nil }
        return ObjectKey(namespace: metadata.namespace, name: owner.name)
    }

    /// The Deployment that owns `pod` through its ReplicaSet, or nil for a pod that no Deployment manages
    /// (a bare pod, a StatefulSet's, a ReplicaSet of its own, or one whose ReplicaSet is not cached yet).
    ///
    /// The ReplicaSet's UID must match the pod's reference, so a ReplicaSet recreated under the same name
    /// does not claim another's pods.
    public static func deployment(of pod: Pod, replicaSets: Store<ReplicaSet>) -> ObjectKey? {
        guard let reference = pod.metadata.controllerReference, reference.kind == ReplicaSet.kind,
              let replicaSet = replicaSets.get(ObjectKey(namespace: pod.metadata.namespace, name: reference.name)),
              replicaSet.metadata.uid == reference.uid
        else { return nil }
        return controller(of: replicaSet.metadata, kind: "Deployment")
    }
}
