#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// A pod as the simulated kubelet reads it: the operator's ``Pod`` projection plus what a kubelet needs
/// from the spec (containers, their ports and probes, readiness gates, the grace period).
public struct SimulatedPod: KubernetesResource, Equatable {
    public static let apiVersion = "v1"
    public static let kind = "Pod"
    public static let plural = "pods"
    public static let isNamespaced = true

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Pod.Status?

    /// The parts of the spec a kubelet acts on.
    public struct Spec: Codable, Sendable, Equatable {
        public var nodeName: String?
        public var containers: [Container]
        public var readinessGates: [Pod.ReadinessGate]?
        public var terminationGracePeriodSeconds: Int?
    }

    /// One container: its name, image, ports and probes.
    public struct Container: Codable, Sendable, Equatable {
        public var name: String
        public var image: String?
        public var ports: [Port]?
        public var readinessProbe: Probe?
        public var livenessProbe: Probe?
    }

    /// A declared container port.
    public struct Port: Codable, Sendable, Equatable {
        public var containerPort: Int
    }

    /// A probe; the simulator serves its HTTP path and honours its initial delay.
    public struct Probe: Codable, Sendable, Equatable {
        public var httpGet: HTTPGet?
        public var initialDelaySeconds: Int?
    }

    /// An HTTP probe's request.
    public struct HTTPGet: Codable, Sendable, Equatable {
        public var path: String?
        public var port: IntOrString
    }

    /// The pod's namespace and name.
    public var key: ObjectKey { ObjectKey(namespace: metadata.namespace ?? "", name: metadata.name ?? "") }

    /// The ports the simulator listens on for this pod: the declared container ports and the probes'
    /// numeric ports, or 8080 when the pod declares none.
    public var servedPorts: [Int] {
        var ports = Set(spec.containers.flatMap { $0.ports ?? [] }.map(\.containerPort))
        for container in spec.containers {
            for probe in [container.readinessProbe, container.livenessProbe] {
                if case .int(let port)? = probe?.httpGet?.port { ports.insert(port) }
            }
        }
        return ports.isEmpty ? [8080] : ports.sorted()
    }

    /// The paths the pod's probes ask for (`/healthz` when it has none).
    public var healthPaths: Set<String> {
        let paths = spec.containers.flatMap { [$0.readinessProbe, $0.livenessProbe] }.compactMap { $0?.httpGet?.path ?? ($0?.httpGet == nil ? nil : "/") }
        return paths.isEmpty ? ["/healthz"] : Set(paths)
    }
}
