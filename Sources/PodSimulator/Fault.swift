#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The faults a simulated pod can have, read from its `sim.resilience.dev/faults` annotation: a comma
/// list such as `crashLoop`, `healthFail,errorRatio=0.3` or `slowStart=30s`.
public struct Faults: Sendable, Equatable, CustomStringConvertible {
    /// The annotation the faults are read from (a Deployment's template may carry it).
    public static let annotation = "sim.resilience.dev/faults"

    /// The container starts, runs briefly and exits with an error, again and again, with the kubelet's
    /// back-off between restarts.
    public var crashLoop = false
    /// As a crash loop, but each run ends OOMKilled (exit code 137).
    public var oomKilled = false
    /// Running, never Ready.
    public var notReady = false
    /// The image cannot be pulled: Pending, waiting ErrImagePull then ImagePullBackOff.
    public var imagePullError = false
    /// Ready only after this long.
    public var slowStart: TimeInterval?
    /// Ignores deletion until the grace period is over.
    public var hangOnTermination = false
    /// Its node stopped answering: once deleted, the pod stays Terminating until this fault is cleared.
    public var stuckTerminating = false
    /// The health endpoint answers 500.
    public var healthFail = false
    /// The health endpoint never answers.
    public var healthHang = false
    /// The share of requests that fail, in the pod's metrics.
    public var errorRatio: Double?
    /// The latency of every request, in seconds, in the pod's metrics.
    public var latency: Double?

    public init() {}

    /// Reads an annotation's value, or throws naming the item it cannot read.
    public init(parsing text: String) throws(FaultError) {
        for item in text.split(separator: ",").map({ String($0.filter { !$0.isWhitespace }) }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0], value = parts.count > 1 ? parts[1] : nil
            switch (name, value) {
            case ("crashLoop", nil): crashLoop = true
            case ("oomKilled", nil): oomKilled = true
            case ("notReady", nil): notReady = true
            case ("imagePullError", nil): imagePullError = true
            case ("hangOnTermination", nil): hangOnTermination = true
            case ("stuckTerminating", nil): stuckTerminating = true
            case ("healthFail", nil): healthFail = true
            case ("healthHang", nil): healthHang = true
            case ("slowStart", let value?):
                guard let seconds = Self.seconds(value) else { throw FaultError(item: item, expected: "a duration such as 30s") }
                slowStart = seconds
            case ("errorRatio", let value?):
                guard let ratio = Double(value), (0...1).contains(ratio) else { throw FaultError(item: item, expected: "a share from 0 to 1") }
                errorRatio = ratio
            case ("latency", let value?):
                guard let seconds = Self.seconds(value) ?? Double(value), seconds >= 0 else { throw FaultError(item: item, expected: "seconds, or a duration such as 500ms") }
                latency = seconds
            default:
                throw FaultError(item: item, expected: "one of crashLoop, oomKilled, notReady, imagePullError, hangOnTermination, stuckTerminating, healthFail, healthHang, slowStart=30s, errorRatio=0.3, latency=500ms")
            }
        }
    }

    public var description: String {
        var items: [String] = []
        if crashLoop { items.append("crashLoop") }
        if oomKilled { items.append("oomKilled") }
        if notReady { items.append("notReady") }
        if imagePullError { items.append("imagePullError") }
        if let slowStart { items.append("slowStart=\(Int(slowStart))s") }
        if hangOnTermination { items.append("hangOnTermination") }
        if stuckTerminating { items.append("stuckTerminating") }
        if healthFail { items.append("healthFail") }
        if healthHang { items.append("healthHang") }
        if let errorRatio { items.append("errorRatio=\(errorRatio)") }
        if let latency { items.append("latency=\(Int(latency * 1000))ms") }
        return items.joined(separator: ",")
    }

    /// `500ms`, `30s`, `2m`: a whole number and one unit.
    private static func seconds(_ text: String) -> Double? {
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }
}

/// A fault annotation the simulator cannot read.
public struct FaultError: Error, Sendable, Equatable, CustomStringConvertible {
    public var item: String
    public var expected: String

    public var description: String { "fault '\(item)' is not understood: expected \(expected)" }
}
