import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubernetesAPI
import KubernetesClient
import Logging
import PodSimulator

/// One simulator for the test process, on the shared plane, acting for its own tainted node so that
/// other suites' pods never land there: only pods that tolerate the taint and select the node do.
public enum TestSimulation {
    public static let node = "simtest-node-1"
    public static let taint = Node.Taint(key: "sim.resilience.dev/test", value: "true", effect: "NoSchedule")

    public static func shared() async throws -> (plane: LocalControlPlane, simulator: Simulator) {
        try await startup.value
    }

    private static let startup = Task<(LocalControlPlane, Simulator), any Error> {
        let plane = try await LocalControlPlane.shared()
        return (plane, try await start(on: plane))
    }

    /// A simulator for ``node`` on `plane`, for suites on a plane of their own.
    public static func start(on plane: LocalControlPlane) async throws -> Simulator {
        var configuration = SimulatorConfiguration()
        configuration.nodes = [node]
        configuration.taints = [taint]
        configuration.kubelet = KubeletSettings(timeScale: 0.05)
        var clientConfiguration = try plane.configuration()
        clientConfiguration.qps = 200
        clientConfiguration.burst = 300
        let client = try KubernetesClient(configuration: clientConfiguration)
        return try await Simulator.start(client: client, configuration: configuration, logger: Logger(label: "simulator"))
    }

    /// Waits until `namespace` has exactly `count` pods (of those `selector` matches) that are not being
    /// deleted, all Ready. A StatefulSet's come one after the other, each once the one before is Ready.
    public static func readyPods(
        _ count: Int, in namespace: String, selector: String? = nil, timeout: Duration = .seconds(60), client: KubernetesClient
    ) async throws -> [Pod] {
        try await eventually("\(count) Ready pods", timeout: timeout) { () -> [Pod]? in
            let pods = try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: selector)).items
                .filter { $0.metadata.deletionTimestamp == nil }
            return pods.count == count && pods.allSatisfy(\.isReady) ? pods : nil
        }
    }

    /// Sets the simulator's faults on one pod, as `resilience-simulator fault --set` does; nil clears them.
    public static func setFaults(_ faults: String?, on pod: String, in namespace: String, client: KubernetesClient) async throws {
        let value = faults.map { "\"\($0)\"" } ?? "null"
        let patch = #"{"metadata":{"annotations":{"\#(Faults.annotation)":\#(value)}}}"#
        _ = try await client.patch(Pod.self, name: pod, namespace: namespace, .merge(Array(patch.utf8)))
    }

    /// A Deployment for the simulated node, as JSON, with a Service of the same name.
    public static func deployment(_ name: String, replicas: Int, annotations: [String: String] = [:], gates: [String] = []) -> (deployment: [UInt8], service: [UInt8]) {
        let annotationJSON = annotations.isEmpty ? "" : #","annotations":{\#(annotations.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ","))}"#
        let gateJSON = gates.isEmpty ? "" : #","readinessGates":[\#(gates.map { #"{"conditionType":"\#($0)"}"# }.joined(separator: ","))]"#
        let deployment = #"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\#(name)"},
             "spec":{"replicas":\#(replicas),"selector":{"matchLabels":{"app":"\#(name)"}},
              "template":{"metadata":{"labels":{"app":"\#(name)"}\#(annotationJSON)},
               "spec":{"nodeSelector":{"kubernetes.io/hostname":"\#(node)"},
                       "tolerations":[{"key":"\#(taint.key)","operator":"Equal","value":"true","effect":"NoSchedule"}]\#(gateJSON),
                       "terminationGracePeriodSeconds":5,
                       "containers":[{"name":"app","image":"registry.example/\#(name):1","ports":[{"containerPort":8080}],
                                      "readinessProbe":{"httpGet":{"path":"/ready","port":8080}}}]}}}}
            """#
        let service = #"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"\#(name)"},
             "spec":{"selector":{"app":"\#(name)"},"ports":[{"port":80,"targetPort":8080}]}}
            """#
        return (Array(deployment.utf8), Array(service.utf8))
    }

    /// A StatefulSet for the simulated node (OrderedReady: the controller creates each pod once the one
    /// before it is Ready), as JSON, with its headless Service.
    public static func statefulSet(_ name: String, replicas: Int) -> (statefulSet: [UInt8], service: [UInt8]) {
        let statefulSet = #"""
            {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"\#(name)","labels":{"app":"\#(name)"}},
             "spec":{"replicas":\#(replicas),"serviceName":"\#(name)","selector":{"matchLabels":{"app":"\#(name)"}},
              "template":{"metadata":{"labels":{"app":"\#(name)"}},
               "spec":{"nodeSelector":{"kubernetes.io/hostname":"\#(node)"},
                       "tolerations":[{"key":"\#(taint.key)","operator":"Equal","value":"true","effect":"NoSchedule"}],
                       "terminationGracePeriodSeconds":5,
                       "containers":[{"name":"app","image":"registry.example/\#(name):1","ports":[{"containerPort":8080}],
                                      "readinessProbe":{"httpGet":{"path":"/ready","port":8080}}}]}}}}
            """#
        let service = #"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"\#(name)"},
             "spec":{"clusterIP":"None","selector":{"app":"\#(name)"},"ports":[{"port":80,"targetPort":8080}]}}
            """#
        return (Array(statefulSet.utf8), Array(service.utf8))
    }

    /// The addresses of the Service's EndpointSlices, with whether each is ready.
    ///
    /// Kubernetes 1.20 refuses loopback addresses in v1 Endpoints (the endpoints controller reports
    /// FailedToUpdateEndpoint), but EndpointSlices, which kube-proxy reads, take them.
    public static func endpoints(_ service: String, namespace: String, client: KubernetesClient) async throws -> [String: Bool] {
        let version = try await client.servedVersions().first(of: ["discovery.k8s.io/v1", "discovery.k8s.io/v1beta1"]) ?? "discovery.k8s.io/v1beta1"
        let path = "/apis/\(version)/namespaces/\(namespace)/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D\(service)"
        let list = try JSONSerialization.jsonObject(with: Data(try await client.send(.GET, path))) as? [String: Any]
        var result: [String: Bool] = [:]
        for slice in list?["items"] as? [[String: Any]] ?? [] {
            for endpoint in slice["endpoints"] as? [[String: Any]] ?? [] {
                let ready = (endpoint["conditions"] as? [String: Any])?["ready"] as? Bool ?? false
                for address in endpoint["addresses"] as? [String] ?? [] { result[address] = ready }
            }
        }
        return result
    }

    /// One HTTP GET over real TCP; the status code, or nil when nothing answers within `timeout`.
    public static func get(_ url: String, timeout: TimeInterval = 2) async -> Int? {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = timeout
        return try? await (URLSession.shared.data(for: request).1 as? HTTPURLResponse)?.statusCode
    }
}
