/// A HorizontalPodAutoscaler (`autoscaling/v1`): it owns the replicas of the workload it targets.
public struct HorizontalPodAutoscaler: KubernetesResource, Equatable {
    public static let apiVersion = "autoscaling/v1"
    public static let kind = "HorizontalPodAutoscaler"
    public static let plural = "horizontalpodautoscalers"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// The target and its bounds.
    public struct Spec: Codable, Sendable, Equatable {
        public var scaleTargetRef: ScaleTarget
        public var minReplicas: Int?
        public var maxReplicas: Int

        public init(scaleTargetRef: ScaleTarget, minReplicas: Int? = nil, maxReplicas: Int) {
            self.scaleTargetRef = scaleTargetRef
            self.minReplicas = minReplicas
            self.maxReplicas = maxReplicas
        }
    }

    /// The workload whose replicas the autoscaler sets.
    public struct ScaleTarget: Codable, Sendable, Equatable {
        public var apiVersion: String?
        public var kind: String
        public var name: String

        public init(apiVersion: String? = nil, kind: String, name: String) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
        }
    }

    /// What the autoscaler last saw and wanted.
    public struct Status: Codable, Sendable, Equatable {
        public var currentReplicas: Int?
        public var desiredReplicas: Int?
    }

    /// Whether this autoscaler sets the replicas of the `kind` (Deployment, StatefulSet) named `name`.
    public func scales(kind: String, name: String) -> Bool {
        spec.scaleTargetRef.kind == kind && spec.scaleTargetRef.name == name
    }
}
