import KubernetesAPI

/// Checks what the CRD's schema cannot: meaning and consistency. Returns every problem, each with its
/// field path, so one `kubectl apply` round shows them all.
public enum PolicyValidator {
    /// The shortest probe period (1s): every pod of the policy is probed each period.
    static let probePeriodFloor: Duration = .seconds(1)
    /// The shortest probe timeout (100ms).
    static let probeTimeoutFloor: Duration = .milliseconds(100)
    /// The shortest interval between a metric rule's queries (1s).
    static let metricIntervalFloor: Duration = .seconds(1)

    public static func validate(_ spec: PolicySpec) -> [ValidationProblem] {
        var problems = Problems()
        target(spec, &problems)
        if let health = spec.health { self.health(health, &problems) }
        if let recovery = spec.recovery { self.recovery(recovery, &problems) }
        if let safety = spec.safety { self.safety(safety, &problems) }
        if let alerting = spec.alerting { self.alerting(alerting, &problems) }
        return problems.list
    }

    private struct Problems {
        var list: [ValidationProblem] = []

        mutating func add(_ field: String, _ message: String) {
            list.append(ValidationProblem(field, message))
        }

        /// Parses a duration, noting a problem when it is malformed, or zero where zero means nothing.
        @discardableResult
        mutating func duration(_ text: String?, _ field: String, zeroAllowed: Bool = false) -> PolicyDuration? {
            guard let text else { return nil }
            guard let duration = PolicyDuration(text) else {
                add(field, "'\(text)' is not a duration (use a number and a unit: 500ms, 30s, 10m, 1h30m)")
                return nil
            }
            guard duration.duration > .zero || zeroAllowed else {
                add(field, "must be longer than 0")
                return nil
            }
            return duration
        }

        mutating func share(_ value: IntOrString?, _ field: String) {
            guard let value, Threshold(value) == nil else { return }
            switch value {
            case .int(let count): add(field, "a count of pods cannot be negative (\(count))")
            case .string(let text):
                if text.hasSuffix("%"), let percent = Int(text.dropLast()) {
                    add(field, "\(percent)% is outside 0% to 100%")
                } else {
                    add(field, "'\(text)' is neither a percentage like \"50%\" nor a count of pods")
                }
            }
        }

        mutating func oneOf(_ value: String?, _ allowed: [String], _ field: String) {
            guard let value, !allowed.contains(value) else { return }
            add(field, "'\(value)' is not one of: \(allowed.joined(separator: ", "))")
        }

        mutating func positive(_ value: Int?, _ field: String) {
            guard let value, value < 1 else { return }
            add(field, "must be at least 1 (is \(value))")
        }
    }

    private static func target(_ spec: PolicySpec, _ problems: inout Problems) {
        switch (spec.targetRef, spec.selector) {
        case (nil, nil):
            problems.add("spec", "needs targetRef (one Deployment or StatefulSet) or selector (Deployments and StatefulSets by label)")
        case (.some, .some):
            problems.add("spec", "has both targetRef and selector; give one")
        case (let target?, nil):
            if WorkloadKind(rawValue: target.kind) == nil { problems.add("spec.targetRef.kind", "'\(target.kind)' is not supported; only Deployment and StatefulSet are") }
            if target.name.isEmpty { problems.add("spec.targetRef.name", "must not be empty") }
        case (nil, let selector?):
            if (selector.matchLabels ?? [:]).isEmpty && (selector.matchExpressions ?? []).isEmpty {
                problems.add("spec.selector", "is empty and would select every Deployment and StatefulSet in the namespace; name labels")
            }
            for (index, requirement) in (selector.matchExpressions ?? []).enumerated() {
                let field = "spec.selector.matchExpressions[\(index)]"
                problems.oneOf(requirement.operator, ["In", "NotIn", "Exists", "DoesNotExist"], "\(field).operator")
                let needsValues = ["In", "NotIn"].contains(requirement.operator)
                if needsValues && (requirement.values ?? []).isEmpty { problems.add("\(field).values", "must not be empty for \(requirement.operator)") }
                if !needsValues && !(requirement.values ?? []).isEmpty { problems.add("\(field).values", "must be empty for \(requirement.operator)") }
            }
        }
    }

    private static func health(_ health: HealthRules, _ problems: inout Problems) {
        let field = "spec.health"
        problems.duration(health.notReadyFor, "\(field).notReadyFor")
        problems.duration(health.pendingFor, "\(field).pendingFor")
        // Zero is meaningful here: a rule counts as soon as it holds.
        problems.duration(health.for, "\(field).for", zeroAllowed: true)
        if let restarts = health.restarts {
            problems.positive(restarts.limit, "\(field).restarts.limit")
            problems.duration(restarts.window, "\(field).restarts.window")
        }
        if let probe = health.probe {
            if !(1...65535).contains(probe.httpGet.port) { problems.add("\(field).probe.httpGet.port", "\(probe.httpGet.port) is not a port (1 to 65535)") }
            if let path = probe.httpGet.path, !path.hasPrefix("/") { problems.add("\(field).probe.httpGet.path", "'\(path)' must start with /") }
            problems.oneOf(probe.httpGet.scheme, ["HTTP", "HTTPS"], "\(field).probe.httpGet.scheme")
            let period = problems.duration(probe.period, "\(field).probe.period")
            let timeout = problems.duration(probe.timeout, "\(field).probe.timeout")
            // Floors against hot loops: every pod is probed each period.
            if let period, period.duration < Self.probePeriodFloor {
                problems.add("\(field).probe.period", "\(period) is shorter than 1s: every pod is probed each period")
            }
            if let timeout, timeout.duration < Self.probeTimeoutFloor {
                problems.add("\(field).probe.timeout", "\(timeout) is shorter than 100ms")
            }
            problems.positive(probe.failureThreshold, "\(field).probe.failureThreshold")
            if let period, let timeout, timeout > period, period.duration >= Self.probePeriodFloor {
                problems.add("\(field).probe.timeout", "\(timeout) is longer than the period \(period): probes would overlap")
            }
        }
        var names: Set<String> = []
        for (index, metric) in (health.metrics ?? []).enumerated() {
            let path = "\(field).metrics[\(index)]"
            if metric.name.isEmpty { problems.add("\(path).name", "must not be empty") }
            if !names.insert(metric.name).inserted { problems.add("\(path).name", "'\(metric.name)' is used by an earlier metric") }
            if metric.query.allSatisfy(\.isWhitespace) { problems.add("\(path).query", "must not be empty") }
            let judgements = [metric.above, metric.below, metric.deviationFromPeers].compactMap { $0 }
            if judgements.count != 1 {
                problems.add(path, "needs exactly one of above, below or deviationFromPeers (has \(judgements.count))")
            }
            if let deviation = metric.deviationFromPeers, deviation <= 0 {
                problems.add("\(path).deviationFromPeers", "must be above 0 (is \(deviation))")
            }
            problems.oneOf(metric.onMissing, ["ignore", "unhealthy", "freeze"], "\(path).onMissing")
            if let interval = problems.duration(metric.interval, "\(path).interval") {
                if interval.duration > .seconds(60) {
                    problems.add("\(path).interval", "\(interval) is longer than 1m: a sample older than 2m counts as missing")
                } else if interval.duration < Self.metricIntervalFloor {
                    problems.add("\(path).interval", "\(interval) is shorter than 1s: Prometheus would be queried without pause")
                }
            }
        }
        for (index, reason) in (health.waitingReasons ?? []).enumerated() where reason.isEmpty {
            problems.add("\(field).waitingReasons[\(index)]", "must not be empty")
        }
        for (index, reason) in (health.terminatedReasons ?? []).enumerated() where reason.isEmpty {
            problems.add("\(field).terminatedReasons[\(index)]", "must not be empty")
        }
    }

    private static func recovery(_ recovery: RecoveryPolicy, _ problems: inout Problems) {
        let field = "spec.recovery"
        var seen: Set<String> = []
        for (index, step) in (recovery.steps ?? []).enumerated() {
            problems.oneOf(step, RecoveryPolicy.knownSteps, "\(field).steps[\(index)]")
            if !seen.insert(step).inserted { problems.add("\(field).steps[\(index)]", "'\(step)' is listed twice") }
        }
        problems.duration(recovery.stepTimeout, "\(field).stepTimeout")
        problems.oneOf(recovery.podRestart, ["evict", "delete"], "\(field).podRestart")
        problems.oneOf(recovery.isolation, ["readinessGate", "quarantine"], "\(field).isolation")
        problems.oneOf(recovery.gitOps, ["alert", "act"], "\(field).gitOps")
        if let scaleUp = recovery.scaleUp { problems.positive(scaleUp.maxSurge, "\(field).scaleUp.maxSurge") }
        if seen.contains("scaleUp") && recovery.scaleUp == nil {
            problems.add("\(field).scaleUp", "is required when steps include scaleUp (how many replicas to add)")
        }
    }

    private static func safety(_ safety: SafetyLimits, _ problems: inout Problems) {
        let field = "spec.safety"
        let cooldown = problems.duration(safety.cooldown, "\(field).cooldown")
        if let budget = safety.maxActions {
            problems.positive(budget.count, "\(field).maxActions.count")
            if let window = problems.duration(budget.window, "\(field).maxActions.window"), let cooldown, window < cooldown {
                problems.add("\(field).maxActions.window", "\(window) is shorter than the cooldown \(cooldown): the budget could never be used")
            }
        }
        problems.positive(safety.maxInFlight, "\(field).maxInFlight")
        problems.share(safety.minHealthy, "\(field).minHealthy")
        problems.share(safety.maxUnhealthy, "\(field).maxUnhealthy")
        for (index, window) in (safety.windows ?? []).enumerated() {
            let path = "\(field).windows[\(index)]"
            do { _ = try CronSchedule(window.schedule) } catch { problems.add("\(path).schedule", error.description) }
            if let duration = problems.duration(window.duration, "\(path).duration"), duration.duration > .seconds(7 * 86_400) {
                problems.add("\(path).duration", "\(window.duration) is longer than 7 days (168h)")
            }
            if let zone = window.timeZone, !Self.isZoneName(zone) {
                problems.add("\(path).timeZone", "'\(zone)' is not a time zone name (such as Europe/Berlin or UTC)")
            }
            problems.oneOf(window.type, ["deny", "allow"], "\(path).type")
        }
        if let hold = safety.holdWhileAlerts {
            let path = "\(field).holdWhileAlerts"
            if hold.alerts.isEmpty { problems.add("\(path).alerts", "must name at least one alert") }
            for (index, labels) in hold.alerts.enumerated() where labels.isEmpty {
                problems.add("\(path).alerts[\(index)]", "must hold at least one label (an empty entry would match every alert)")
            }
            if let url = hold.alertmanager?.url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                problems.add("\(path).alertmanager.url", "'\(url)' is not an http(s) URL")
            }
            problems.oneOf(hold.onMissing, ["freeze", "ignore"], "\(path).onMissing")
        }
    }

    private static func alerting(_ alerting: AlertingConfig, _ problems: inout Problems) {
        let field = "spec.alerting"
        if let url = alerting.alertmanager?.url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            problems.add("\(field).alertmanager.url", "'\(url)' is not an http(s) URL")
        }
        for (index, webhook) in (alerting.webhooks ?? []).enumerated() {
            let path = "\(field).webhooks[\(index)]"
            if webhook.urlFrom.secretKeyRef.name.isEmpty { problems.add("\(path).urlFrom.secretKeyRef.name", "must not be empty") }
            if webhook.urlFrom.secretKeyRef.key.isEmpty { problems.add("\(path).urlFrom.secretKeyRef.key", "must not be empty") }
            problems.oneOf(webhook.format, ["generic", "slack"], "\(path).format")
        }
    }

    /// An IANA zone name's shape: names of letters, digits, `_`, `+` and `-`, joined by `/`; no `..`, so
    /// it names a file under the zone folder and nothing else.
    public static func isZoneName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_+-".contains($0)) }
        }
    }
}
