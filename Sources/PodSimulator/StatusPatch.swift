#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI

/// A strategic-merge patch of a pod's status. Conditions merge by type, so conditions that others own
/// (readiness gates) stay; container statuses are replaced whole.
struct StatusPatch: Encodable {
    let status: Body

    struct Body: Encodable {
        let phase: String?
        let podIP: String?
        let podIPs: [Address]?
        let startTime: Date?
        let conditions: [Condition]?
        let containerStatuses: [ContainerStatus]?
    }

    struct Address: Encodable {
        let ip: String
    }

    init(status: Pod.Status) throws {
        self.status = Body(
            phase: status.phase, podIP: status.podIP, podIPs: status.podIP.map { [Address(ip: $0)] },
            startTime: status.startTime, conditions: status.conditions, containerStatuses: status.containerStatuses)
    }

    var bytes: [UInt8] {
        get throws { Array(try KubernetesJSON.encoder().encode(self)) }
    }
}
