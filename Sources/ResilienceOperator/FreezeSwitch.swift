import KubernetesAPI
import KubernetesClient
import Logging
import OperatorRuntime
import Synchronization

/// The operator-wide freeze: every action of every policy stops at once, while judgement, status and
/// new pods' serving gates go on. It is on while the operator runs with `--freeze REASON`, or while its
/// freeze ConfigMap exists (`kubectl -n resilience-system create configmap resilience-operator-freeze
/// --from-literal=reason="change freeze until Monday"`): a watch on that one ConfigMap sees it come and
/// go, and every policy is planned again at once.
public struct FreezeSwitch: Sendable {
    private let flag: String?
    private let configMap: ObjectKey?
    private let store: Store<ConfigMap>
    private let reflector: Reflector<KubernetesListWatch<ConfigMap>, ContinuousClock>?

    /// - Parameters:
    ///   - flag: the reason given with `--freeze`, if any.
    ///   - configMap: the ConfigMap whose presence freezes, if any.
    public init(flag: String?, configMap: ObjectKey?, client: KubernetesClient, logger: Logger) {
        self.flag = flag
        self.configMap = configMap
        if let configMap {
            let reflector = Reflector(
                KubernetesListWatch(ConfigMap.self, client: client, namespace: configMap.namespace, fieldSelector: "metadata.name=\(configMap.name)"),
                clock: ContinuousClock(), logger: logger)
            self.reflector = reflector
            store = reflector.store
        } else {
            reflector = nil
            store = Store()
        }
    }

    /// Why every action is frozen now, or nil.
    public var reason: String? {
        if let flag { return "--freeze: \(flag)" }
        guard let configMap, let found = store.get(configMap) else { return nil }
        let why = found.data?["reason"].map { ": \($0)" } ?? ""
        return "the ConfigMap \(configMap) exists\(why)"
    }

    /// Watches the ConfigMap until cancelled; `changed` hears of each change of ``reason`` (not of a
    /// relist or an edit that leaves it as it was).
    public func run(changed: @escaping @Sendable () async -> Void) async {
        guard let reflector else { return }
        let told = Mutex<String?>(nil)
        await reflector.run { event in
            switch event {
            case .initStart, .initPage: return
            default:
                let now = reason
                guard told.withLock({ last in defer { last = now }; return last != now }) else { return }
                await changed()
            }
        }
    }
}
