#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ResilienceCore
import Synchronization

/// The time zones that policies' windows name, read once each from the zone folder (`$TZDIR`, or
/// /usr/share/zoneinfo, which the image carries): the operator links no ICU, so it reads the TZif files
/// itself (``ZoneRules``).
public final class ZoneDatabase: Sendable {
    /// The process's zones.
    public static let shared = ZoneDatabase(folder: ProcessInfo.processInfo.environment["TZDIR"] ?? "/usr/share/zoneinfo")

    private let folder: String
    private let loaded = Mutex<[String: ZoneRules]>(["UTC": .utc, "Etc/UTC": .utc])

    public init(folder: String) {
        self.folder = folder
    }

    /// The rules of the zone `name`, or why there are none.
    public func rules(_ name: String) -> Result<ZoneRules, ZoneError> {
        if let known = loaded.withLock({ $0[name] }) { return .success(known) }
        guard PolicyValidator.isZoneName(name) else { return .failure(ZoneError(description: "'\(name)' is not a time zone name")) }
        guard let data = FileManager.default.contents(atPath: "\(folder)/\(name)") else {
            return .failure(ZoneError(description: "'\(name)' is not a time zone in \(folder)"))
        }
        do {
            let rules = try ZoneRules(tzif: [UInt8](data))
            loaded.withLock { $0[name] = rules }
            return .success(rules)
        } catch {
            return .failure(ZoneError(description: "\(folder)/\(name): \(error)"))
        }
    }

    /// The zones a policy's windows name, or the problems (naming the field) with those that cannot be read.
    public func zones(for windows: [MaintenanceWindow]) -> Result<[String: ZoneRules], ProblemList> {
        var zones: [String: ZoneRules] = [:]
        var problems: [ValidationProblem] = []
        for window in windows {
            switch rules(window.timeZone) {
            case .success(let rules): zones[window.timeZone] = rules
            case .failure(let error): problems.append(ValidationProblem("\(window.field).timeZone", error.description))
            }
        }
        return problems.isEmpty ? .success(zones) : .failure(ProblemList(problems: problems))
    }

    /// A zone that cannot be read.
    public struct ZoneError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Problems that make a policy invalid.
    public struct ProblemList: Error {
        public let problems: [ValidationProblem]
    }
}
