import ArgumentParser
import CommandSupport
import KubernetesAPI
import KubernetesClient
import ResilienceCore
import ResilienceOperator

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `resilience-operator plan`: reads the live cluster and prints, for each policy, each pod's verdict and
/// what the operator would do now, with reasons. Changes nothing.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show each pod's verdict and what the operator would do now, and why (changes nothing).",
        discussion: """
            Planned from the cluster as it is now and the memory the operator keeps in each policy's status
            (its actions, cooldowns, episodes and scale-ups), without the restart counts it observed before
            this run. Probe and metric rules show their samples as unknown; the alerts a policy holds on
            (spec.safety.holdWhileAlerts) are read from its Alertmanager.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .shortAndLong, help: "The policies' namespace (default: every namespace).")
    var namespace: String?

    @Argument(help: "One policy by name (needs --namespace).")
    var policy: String?

    @Option(name: .shortAndLong, help: "text or json.")
    var output = "text"

    func validate() throws {
        guard ["text", "json"].contains(output) else { throw ValidationError("--output is text or json, not '\(output)'") }
        guard policy == nil || namespace != nil else { throw ValidationError("a policy by name needs --namespace") }
    }

    func run() async throws {
        let client = try KubernetesClient(configuration: try cluster.clientConfiguration())
        do {
            let reports = try await plans(client: client)
            if output == "json" {
                print("[" + (try reports.map { try $0.json() }).joined(separator: ",\n") + "]")
            } else {
                print(reports.isEmpty ? "no ResiliencePolicy found" : reports.map(\.text).joined(separator: "\n\n"))
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func plans(client: KubernetesClient) async throws -> [PolicyPlan] {
        // A policy whose spec does not decode still comes back, with the field named in decodingProblem,
        // so that one malformed policy does not hide the others.
        let policies: [ResiliencePolicy]
        if let policy {
            policies = [try await client.get(ResiliencePolicy.self, name: policy, namespace: namespace)]
        } else {
            policies = try await client.list(ResiliencePolicy.self, namespace: namespace).items
        }
        let policyVersion = try await client.servedVersions().first(of: ["policy/v1", "policy/v1beta1"]) ?? "policy/v1"
        var objects: [String: NamespaceObjects] = [:]
        var reports: [PolicyPlan] = []
        for policy in policies {
            let namespace = policy.metadata.namespace ?? ""
            if objects[namespace] == nil {
                objects[namespace] = try await NamespaceObjects.read(namespace: namespace, policyVersion: policyVersion, client: client)
            }
            var hold: AlertHoldReading?
            if let alerts = policy.spec.safety?.holdWhileAlerts { hold = await AlertHoldReader.read(alerts, prometheus: nil) }
            var report = PolicyPlan.make(policy, source: objects[namespace]!, alertHold: hold, history: policy.status?.memory ?? RemediationHistory(), now: Date())
            report.unreadStatus = policy.statusProblems
            reports.append(report)
        }
        return reports.sorted { $0.policy < $1.policy }
    }
}
