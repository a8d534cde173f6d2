import KubernetesAPI

/// The GitOps tool that keeps a Deployment as its Git repository says, read from the labels and
/// annotations the tool puts on what it applies. A sync undoes a change to what the tool applied: the
/// operator then refuses the changes a sync would undo, or makes them in a way the tool keeps
/// (`spec.recovery.gitOps`).
///
/// - Argo CD: the `argocd.argoproj.io/tracking-id` annotation (`<application>:<group>/<kind>:<namespace>/<name>`,
///   the annotation tracking method, the default since Argo CD 3.0), or the `argocd.argoproj.io/instance`
///   label (the label method with Argo CD's own key). The label method's default key,
///   `app.kubernetes.io/instance`, is left out: Helm sets it on everything it installs.
/// - Flux: the `kustomize.toolkit.fluxcd.io/name` and `/namespace` labels (a Kustomization), or the
///   `helm.toolkit.fluxcd.io/name` and `/namespace` labels (a HelmRelease).
public struct GitOpsOwner: Sendable, Equatable, CustomStringConvertible {
    public enum Tool: String, Sendable, Equatable {
        case argoCD = "Argo CD"
        case flux = "Flux"
    }

    public var tool: Tool
    /// What manages it: `Application shop`, `Kustomization flux-system/apps`, `HelmRelease web/web`.
    public var manager: String

    public init(tool: Tool, manager: String) {
        self.tool = tool
        self.manager = manager
    }

    /// The tool managing an object with this metadata, or nil.
    public init?(_ metadata: ObjectMeta) {
        let labels = metadata.labels ?? [:]
        let annotations = metadata.annotations ?? [:]
        if let tracking = annotations["argocd.argoproj.io/tracking-id"], let application = tracking.split(separator: ":").first, !application.isEmpty {
            self.init(tool: .argoCD, manager: "Application \(application)")
        } else if let application = labels["argocd.argoproj.io/instance"], !application.isEmpty {
            self.init(tool: .argoCD, manager: "Application \(application)")
        } else if let name = labels["kustomize.toolkit.fluxcd.io/name"] {
            self.init(tool: .flux, manager: "Kustomization \(labels["kustomize.toolkit.fluxcd.io/namespace"].map { "\($0)/" } ?? "")\(name)")
        } else if let name = labels["helm.toolkit.fluxcd.io/name"] {
            self.init(tool: .flux, manager: "HelmRelease \(labels["helm.toolkit.fluxcd.io/namespace"].map { "\($0)/" } ?? "")\(name)")
        } else {
            return nil
        }
    }

    public var description: String { "\(tool.rawValue) (\(manager))" }

    /// Why the operator does not take `step` on a Deployment this tool manages, or nil when it may:
    /// a rollback is always left to Git (a sync would apply the template Git holds again); a rollout
    /// restart or a change of replicas only when the policy says alert, since both last through a sync
    /// when the tool does not own the field (the restart annotation is never in Git; replicas are kept
    /// with Argo CD's ignoreDifferences on /spec/replicas, or a manifest without replicas for Flux).
    public func refusal(of step: RecoveryStep, writesReplicas: Bool, acts: Bool) -> String? {
        switch step {
        case .rollback:
            return "the Deployment is managed by \(self), whose next sync would apply the template in Git again: roll back in Git"
        case .rolloutRestart where !acts:
            return "the Deployment is managed by \(self) and spec.recovery.gitOps is alert: a rollout restart is left to a human"
        case .scaleUp where writesReplicas && !acts:
            return "the Deployment is managed by \(self) and spec.recovery.gitOps is alert: its replicas are left to Git"
        default:
            return nil
        }
    }
}
