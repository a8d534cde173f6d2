#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why every action of a policy is held now, whatever its pods need: an alert it names fires, a deny
/// window is open or no allow window is, or the operator is frozen. Judgement, status and new pods'
/// serving gates go on.
public struct PolicyHold: Sendable, Equatable {
    public var check: Decision.SafetyCheck
    public var reason: String
    /// When it ends by itself (a window closing or opening), if it does.
    public var until: Date?

    public init(check: Decision.SafetyCheck, reason: String, until: Date? = nil) {
        self.check = check
        self.reason = reason
        self.until = until
    }

    /// The hold the policy's windows put on every action at `now`, and when that next changes (a deny
    /// window opening, an allow window closing, or the hold's end). Windows whose time zone `zones`
    /// lacks are read in UTC (the operator refuses such policies before planning).
    public static func windows(_ windows: [MaintenanceWindow], zones: [String: ZoneRules], now: Date) -> (hold: PolicyHold?, changesAt: Date?) {
        guard !windows.isEmpty else { return (nil, nil) }
        func zone(_ window: MaintenanceWindow) -> ZoneRules { zones[window.timeZone] ?? .utc }
        func end(_ window: MaintenanceWindow, _ opening: Date) -> Date { opening.addingTimeInterval(window.duration.seconds) }
        let open = windows.compactMap { window in window.opening(containing: now, zone: zone(window)).map { (window, $0) } }
        let denying = open.filter { !$0.0.allows }
        if let (window, opening) = denying.max(by: { end($0.0, $0.1) < end($1.0, $1.1) }) {
            let until = end(window, opening)
            return (PolicyHold(check: .window, reason: "a deny window is open: \(window.summary), until \(Timestamp(until)); no action until then", until: until), until)
        }
        let allowing = windows.filter(\.allows)
        // The next change: a deny window opening, or (inside allow windows) the last of them closing.
        var changes = windows.filter { !$0.allows }.compactMap { $0.nextOpening(after: now, zone: zone($0)) }
        if !allowing.isEmpty {
            let inside = open.filter { $0.0.allows }
            if inside.isEmpty {
                let next = allowing.compactMap { window in window.nextOpening(after: now, zone: zone(window)).map { (window, $0) } }.min { $0.1 < $1.1 }
                let reason = next.map { "outside every allow window; the next opens at \(Timestamp($0.1)): \($0.0.summary); no action until then" }
                    ?? "outside every allow window, and none opens within \(MaintenanceWindow.horizonDays) days; no action"
                return (PolicyHold(check: .window, reason: reason, until: next?.1), min(next?.1 ?? .distantFuture, changes.min() ?? .distantFuture))
            }
            changes += inside.map { end($0.0, $0.1) }
        }
        return (nil, changes.min())
    }
}
