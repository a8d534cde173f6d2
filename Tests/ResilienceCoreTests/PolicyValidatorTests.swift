import KubernetesAPI
import ResilienceCore
import Testing

@Suite struct PolicyValidatorTests {
    @Test func theSketchPolicyIsValid() throws {
        #expect(PolicyValidator.validate(try SketchPolicy.spec()) == [])
    }

    /// One change to the sketch policy, and the one problem it must cause.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var field: String
        var message: String
        var change: @Sendable (inout PolicySpec) -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no target", field: "spec", message: "needs targetRef (one Deployment or StatefulSet) or selector (Deployments and StatefulSets by label)") { $0.targetRef = nil },
        Case(name: "two targets", field: "spec", message: "has both targetRef and selector; give one") { $0.selector = LabelSelector(matchLabels: ["app": "web"]) },
        Case(name: "unknown kind", field: "spec.targetRef.kind", message: "'DaemonSet' is not supported; only Deployment and StatefulSet are") { $0.targetRef?.kind = "DaemonSet" },
        Case(name: "empty name", field: "spec.targetRef.name", message: "must not be empty") { $0.targetRef?.name = "" },
        Case(name: "empty selector", field: "spec.selector", message: "is empty and would select every Deployment and StatefulSet in the namespace; name labels") {
            $0.targetRef = nil
            $0.selector = LabelSelector()
        },
        Case(name: "selector operator", field: "spec.selector.matchExpressions[0].operator", message: "'Near' is not one of: In, NotIn, Exists, DoesNotExist") {
            $0.targetRef = nil
            $0.selector = LabelSelector(matchExpressions: [.init(key: "app", operator: "Near")])
        },
        Case(name: "In without values", field: "spec.selector.matchExpressions[0].values", message: "must not be empty for In") {
            $0.targetRef = nil
            $0.selector = LabelSelector(matchExpressions: [.init(key: "app", operator: "In", values: [])])
        },
        Case(name: "malformed duration", field: "spec.health.notReadyFor", message: "'30 seconds' is not a duration (use a number and a unit: 500ms, 30s, 10m, 1h30m)") { $0.health?.notReadyFor = "30 seconds" },
        Case(name: "zero duration", field: "spec.health.notReadyFor", message: "must be longer than 0") { $0.health?.notReadyFor = "0s" },
        Case(name: "restart limit", field: "spec.health.restarts.limit", message: "must be at least 1 (is 0)") { $0.health?.restarts?.limit = 0 },
        Case(name: "restart window", field: "spec.health.restarts.window", message: "'10' is not a duration (use a number and a unit: 500ms, 30s, 10m, 1h30m)") { $0.health?.restarts?.window = "10" },
        Case(name: "probe port", field: "spec.health.probe.httpGet.port", message: "70000 is not a port (1 to 65535)") { $0.health?.probe?.httpGet.port = 70000 },
        Case(name: "probe path", field: "spec.health.probe.httpGet.path", message: "'healthz' must start with /") { $0.health?.probe?.httpGet.path = "healthz" },
        Case(name: "probe scheme", field: "spec.health.probe.httpGet.scheme", message: "'TCP' is not one of: HTTP, HTTPS") { $0.health?.probe?.httpGet.scheme = "TCP" },
        Case(name: "probe overlap", field: "spec.health.probe.timeout", message: "10s is longer than the period 5s: probes would overlap") { $0.health?.probe?.timeout = "10s" },
        Case(name: "probe threshold", field: "spec.health.probe.failureThreshold", message: "must be at least 1 (is 0)") { $0.health?.probe?.failureThreshold = 0 },
        // Floors against hot loops.
        Case(name: "probe period floor", field: "spec.health.probe.period", message: "1ms is shorter than 1s: every pod is probed each period") {
            $0.health?.probe?.period = "1ms"
            $0.health?.probe?.timeout = "100ms"
        },
        Case(name: "probe timeout floor", field: "spec.health.probe.timeout", message: "50ms is shorter than 100ms") { $0.health?.probe?.timeout = "50ms" },
        Case(name: "empty query", field: "spec.health.metrics[0].query", message: "must not be empty") { $0.health?.metrics?[0].query = "  " },
        Case(name: "metric without judgement", field: "spec.health.metrics[0]", message: "needs exactly one of above, below or deviationFromPeers (has 0)") { $0.health?.metrics?[0].above = nil },
        Case(name: "metric with two judgements", field: "spec.health.metrics[0]", message: "needs exactly one of above, below or deviationFromPeers (has 2)") { $0.health?.metrics?[0].below = 0.01 },
        Case(name: "deviation not positive", field: "spec.health.metrics[0].deviationFromPeers", message: "must be above 0 (is 0.0)") {
            $0.health?.metrics?[0].above = nil
            $0.health?.metrics?[0].deviationFromPeers = 0
        },
        Case(name: "onMissing", field: "spec.health.metrics[0].onMissing", message: "'skip' is not one of: ignore, unhealthy, freeze") { $0.health?.metrics?[0].onMissing = "skip" },
        Case(name: "metric interval", field: "spec.health.metrics[0].interval", message: "2m is longer than 1m: a sample older than 2m counts as missing") { $0.health?.metrics?[0].interval = "2m" },
        Case(name: "metric interval floor", field: "spec.health.metrics[0].interval", message: "500ms is shorter than 1s: Prometheus would be queried without pause") { $0.health?.metrics?[0].interval = "500ms" },
        Case(name: "duplicate metric", field: "spec.health.metrics[1].name", message: "'error-ratio' is used by an earlier metric") { spec in
            let metric = spec.health!.metrics![0]
            spec.health?.metrics?.append(metric)
        },
        Case(name: "empty metric name", field: "spec.health.metrics[0].name", message: "must not be empty") { $0.health?.metrics?[0].name = "" },
        Case(name: "empty waiting reason", field: "spec.health.waitingReasons[1]", message: "must not be empty") { $0.health?.waitingReasons?[1] = "" },
        Case(name: "empty terminated reason", field: "spec.health.terminatedReasons[0]", message: "must not be empty") { $0.health?.terminatedReasons = [""] },
        Case(name: "unknown step", field: "spec.recovery.steps[1]", message: "'reboot' is not one of: restartPod, isolate, scaleUp, rollback, rolloutRestart") { $0.recovery?.steps?[1] = "reboot" },
        Case(name: "step twice", field: "spec.recovery.steps[2]", message: "'restartPod' is listed twice") { $0.recovery?.steps?[2] = "restartPod" },
        Case(name: "step timeout", field: "spec.recovery.stepTimeout", message: "'2mins' is not a duration (use a number and a unit: 500ms, 30s, 10m, 1h30m)") { $0.recovery?.stepTimeout = "2mins" },
        Case(name: "pod restart", field: "spec.recovery.podRestart", message: "'kill' is not one of: evict, delete") { $0.recovery?.podRestart = "kill" },
        Case(name: "isolation", field: "spec.recovery.isolation", message: "'cordon' is not one of: readinessGate, quarantine") { $0.recovery?.isolation = "cordon" },
        Case(name: "max surge", field: "spec.recovery.scaleUp.maxSurge", message: "must be at least 1 (is 0)") { $0.recovery?.scaleUp?.maxSurge = 0 },
        Case(name: "scaleUp step without settings", field: "spec.recovery.scaleUp", message: "is required when steps include scaleUp (how many replicas to add)") { $0.recovery?.scaleUp = nil },
        Case(name: "window shorter than cooldown", field: "spec.safety.maxActions.window", message: "1m is shorter than the cooldown 2m: the budget could never be used") { $0.safety?.maxActions?.window = "1m" },
        Case(name: "action count", field: "spec.safety.maxActions.count", message: "must be at least 1 (is 0)") { $0.safety?.maxActions?.count = 0 },
        Case(name: "in flight", field: "spec.safety.maxInFlight", message: "must be at least 1 (is 0)") { $0.safety?.maxInFlight = 0 },
        Case(name: "cooldown", field: "spec.safety.cooldown", message: "'soon' is not a duration (use a number and a unit: 500ms, 30s, 10m, 1h30m)") { $0.safety?.cooldown = "soon" },
        Case(name: "percentage over 100", field: "spec.safety.minHealthy", message: "150% is outside 0% to 100%") { $0.safety?.minHealthy = .string("150%") },
        Case(name: "share not a percentage", field: "spec.safety.maxUnhealthy", message: "'half' is neither a percentage like \"50%\" nor a count of pods") { $0.safety?.maxUnhealthy = .string("half") },
        Case(name: "negative count", field: "spec.safety.minHealthy", message: "a count of pods cannot be negative (-1)") { $0.safety?.minHealthy = .int(-1) },
        Case(name: "gitOps", field: "spec.recovery.gitOps", message: "'sync' is not one of: alert, act") { $0.recovery?.gitOps = "sync" },
        Case(name: "hold on an empty entry", field: "spec.safety.holdWhileAlerts.alerts[1]", message: "must hold at least one label (an empty entry would match every alert)") {
            $0.safety?.holdWhileAlerts = .init(alerts: [["alertname": "RegionDown"], [:]])
        },
        Case(name: "hold on nothing", field: "spec.safety.holdWhileAlerts.alerts", message: "must name at least one alert") { $0.safety?.holdWhileAlerts = .init(alerts: []) },
        Case(name: "hold source url", field: "spec.safety.holdWhileAlerts.alertmanager.url", message: "'alertmanager:9093' is not an http(s) URL") {
            $0.safety?.holdWhileAlerts = .init(alerts: [["alertname": "RegionDown"]], alertmanager: .init(url: "alertmanager:9093"))
        },
        Case(name: "hold onMissing", field: "spec.safety.holdWhileAlerts.onMissing", message: "'hold' is not one of: freeze, ignore") {
            $0.safety?.holdWhileAlerts = .init(alerts: [["alertname": "RegionDown"]], onMissing: "hold")
        },
        Case(name: "window schedule", field: "spec.safety.windows[0].schedule", message: "'0 22 * *' needs 5 fields (minute hour day-of-month month day-of-week), has 4") {
            $0.safety?.windows = [.init(schedule: "0 22 * *", duration: "8h")]
        },
        Case(name: "window too long", field: "spec.safety.windows[0].duration", message: "200h is longer than 7 days (168h)") {
            $0.safety?.windows = [.init(schedule: "0 22 * * 5", duration: "200h")]
        },
        Case(name: "window zone", field: "spec.safety.windows[0].timeZone", message: "'../../etc/passwd' is not a time zone name (such as Europe/Berlin or UTC)") {
            $0.safety?.windows = [.init(schedule: "0 22 * * 5", duration: "8h", timeZone: "../../etc/passwd")]
        },
        Case(name: "window type", field: "spec.safety.windows[0].type", message: "'maybe' is not one of: deny, allow") {
            $0.safety?.windows = [.init(schedule: "0 22 * * 5", duration: "8h", type: "maybe")]
        },
        Case(name: "alertmanager url", field: "spec.alerting.alertmanager.url", message: "'alertmanager:9093' is not an http(s) URL") { $0.alerting?.alertmanager?.url = "alertmanager:9093" },
        Case(name: "webhook secret", field: "spec.alerting.webhooks[0].urlFrom.secretKeyRef.key", message: "must not be empty") { $0.alerting?.webhooks?[0].urlFrom.secretKeyRef.key = "" },
        Case(name: "webhook format", field: "spec.alerting.webhooks[0].format", message: "'teams' is not one of: generic, slack") { $0.alerting?.webhooks?[0].format = "teams" },
    ]

    @Test(arguments: cases)
    func eachRuleNamesItsField(_ testCase: Case) throws {
        var spec = try SketchPolicy.spec()
        testCase.change(&spec)
        #expect(PolicyValidator.validate(spec) == [ValidationProblem(testCase.field, testCase.message)])
    }

    @Test func zeroHysteresisIsAllowed() throws {
        var spec = try SketchPolicy.spec()
        spec.health?.for = "0s"
        #expect(PolicyValidator.validate(spec) == [])
    }

    @Test func everyProblemIsReportedNotJustTheFirst() throws {
        var spec = try SketchPolicy.spec()
        spec.targetRef?.kind = "Job"
        spec.health?.notReadyFor = "x"
        spec.recovery?.steps = ["isolate", "isolate"]
        spec.safety?.minHealthy = .string("101%")
        let fields = PolicyValidator.validate(spec).map(\.field)
        #expect(fields == ["spec.targetRef.kind", "spec.health.notReadyFor", "spec.recovery.steps[1]", "spec.safety.minHealthy"])
    }
}
