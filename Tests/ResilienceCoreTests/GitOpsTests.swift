import Foundation
import KubernetesAPI
import ResilienceCore
import Testing

/// Deployments managed by Argo CD or Flux, told by their tracking labels and annotation, and the steps
/// a sync would undo: refused with the owner named and an alert (`gitOps: alert`), or made (`act`).
@Suite struct GitOpsTests {
    private func plan(_ spec: String, _ target: TargetObservation, history: RemediationHistory = .init(), at now: Date) throws -> Plan {
        Planner.plan(policy: try Scenario.policy(spec), targets: [target], history: history, now: now)
    }

    private func managed(_ target: TargetObservation, labels: [String: String] = [:], annotations: [String: String] = [:]) -> TargetObservation {
        var copy = target
        copy.deployment.metadata.labels = (copy.deployment.metadata.labels ?? [:]).merging(labels) { _, new in new }
        copy.deployment.metadata.annotations = (copy.deployment.metadata.annotations ?? [:]).merging(annotations) { _, new in new }
        return copy
    }

    @Test func theToolIsToldByItsTrackingLabelsAndAnnotation() throws {
        let deployment = try Scenario.stable().deployment.metadata
        func owner(labels: [String: String] = [:], annotations: [String: String] = [:]) -> String? {
            var metadata = deployment
            metadata.labels = (metadata.labels ?? [:]).merging(labels) { _, new in new }
            metadata.annotations = (metadata.annotations ?? [:]).merging(annotations) { _, new in new }
            return GitOpsOwner(metadata)?.description
        }
        #expect(owner() == nil)
        #expect(owner(annotations: ["argocd.argoproj.io/tracking-id": "shop:apps/Deployment:fixtures/web"]) == "Argo CD (Application shop)")
        #expect(owner(labels: ["argocd.argoproj.io/instance": "shop"]) == "Argo CD (Application shop)")
        #expect(owner(labels: ["kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"]) == "Flux (Kustomization flux-system/apps)")
        #expect(owner(labels: ["helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": "shop"]) == "Flux (HelmRelease shop/web)")
        // Helm sets app.kubernetes.io/instance on everything it installs: not a sign of Argo CD.
        #expect(owner(labels: ["app.kubernetes.io/instance": "web", "app.kubernetes.io/managed-by": "Helm"]) == nil)
    }

    @Test func aRolloutRestartIsLeftToGitWithAnAlertUnlessThePolicySaysAct() throws {
        let target = managed(try Scenario.stable(), labels: ["kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"])
        let now = Scenario.after(5, target)
        let alerting = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["rolloutRestart","restartPod"]},"safety":{"cooldown":"1s"}}"#
        let refused = try plan(alerting, target, at: now)
        #expect(refused.decisions.contains { $0.reason == "skipped rolloutRestart: the Deployment is managed by Flux (Kustomization flux-system/apps) and spec.recovery.gitOps is alert: a rollout restart is left to a human" }, "\(refused.decisions.map(\.reason))")
        #expect(refused.executable.compactMap(\.step) == [.restartPod], "the next step still acts on the pod")
        let alert = try #require(refused.decisions.first { if case .alert(.gitOps, _) = $0.action { true } else { false } })
        #expect(alert.reason.contains("rolloutRestart left to Git: the Deployment is managed by Flux (Kustomization flux-system/apps)"), "\(alert.reason)")
        // The alert keeps firing while pods are unhealthy, in the next plans too.
        let later = try plan(alerting, target, history: refused.history, at: now.addingTimeInterval(10))
        #expect(later.decisions.contains { if case .alert(.gitOps, _) = $0.action { true } else { false } })

        let acting = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["rolloutRestart","restartPod"],"gitOps":"act"},"safety":{"cooldown":"1s"}}"#
        let made = try plan(acting, target, at: now)
        #expect(made.executable.compactMap(\.step) == [.rolloutRestart])
        #expect(!made.decisions.contains { if case .alert(.gitOps, _) = $0.action { true } else { false } })
    }

    @Test func aRollbackIsAlwaysLeftToGit() throws {
        let target = managed(try Scenario.rollout(), annotations: ["argocd.argoproj.io/tracking-id": "shop:apps/Deployment:shop/shop"])
        let now = Scenario.after(5, target)
        for mode in ["alert", "act"] {
            let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["restartPod","rollback"],"gitOps":"\#(mode)"},"safety":{"minHealthy":0,"maxUnhealthy":"100%"}}"#
            let plan = try plan(spec, target, at: now)
            #expect(!plan.executable.contains { $0.step == .rollback }, "\(mode): \(plan.decisions.map(\.reason))")
            #expect(plan.decisions.contains { $0.reason == "no rollback: the Deployment is managed by Argo CD (Application shop), whose next sync would apply the template in Git again: roll back in Git" }, "\(mode): \(plan.decisions.map(\.reason))")
            #expect(plan.decisions.contains { if case .alert(.gitOps, _) = $0.action { true } else { false } })
        }
    }

    @Test func replicasAreLeftToGitButAnAutoscalersMinimumIsRaisedAsUsual() throws {
        let spec = #"{"health":{"waitingReasons":["CrashLoopBackOff"]},"recovery":{"steps":["scaleUp"],"scaleUp":{"maxSurge":1}},"safety":{"minHealthy":0,"maxUnhealthy":"100%"}}"#
        let plain = managed(try Scenario.stable(), labels: ["argocd.argoproj.io/instance": "shop"])
        let refused = try plan(spec, plain, at: Scenario.after(5, plain))
        #expect(refused.executable.compactMap(\.step).isEmpty, "only alerts")
        #expect(refused.decisions.contains { $0.reason.hasPrefix("skipped scaleUp: the Deployment is managed by Argo CD (Application shop) and spec.recovery.gitOps is alert: its replicas are left to Git") }, "\(refused.decisions.map(\.reason))")

        var withAutoscaler = managed(try Scenario.rollout(), labels: ["argocd.argoproj.io/instance": "shop"])
        withAutoscaler.deployment.status?.updatedReplicas = 3  // the rollout done: scaleUp may act
        withAutoscaler.deployment.status?.replicas = 3
        let raised = try plan(spec, withAutoscaler, at: Scenario.after(5, withAutoscaler))
        #expect(raised.executable.contains { if case .setAutoscalerMinimum = $0.action { true } else { false } }, "\(raised.decisions.map(\.reason))")
    }
}
