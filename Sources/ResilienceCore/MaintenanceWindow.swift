#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One of a policy's `spec.safety.windows`, read: it opens when its cron schedule fires (in its time
/// zone's wall-clock time) and stays open for its duration, and it either allows actions (outside every
/// allow window nothing acts) or denies them (inside a deny window nothing acts).
public struct MaintenanceWindow: Sendable, Equatable {
    public var schedule: CronSchedule
    public var duration: PolicyDuration
    /// An IANA time zone name, such as `Europe/Berlin`; `UTC` by default.
    public var timeZone: String
    public var allows: Bool
    /// Where it is in the spec: `spec.safety.windows[0]`.
    public var field: String

    public init(schedule: CronSchedule, duration: PolicyDuration, timeZone: String, allows: Bool, field: String) {
        self.schedule = schedule
        self.duration = duration
        self.timeZone = timeZone
        self.allows = allows
        self.field = field
    }

    /// How far ahead an opening is looked for.
    static let horizonDays: Int64 = 400

    /// The opening of the window that `now` is in (the latest, when openings overlap), or nil when closed.
    public func opening(containing now: Date, zone: ZoneRules) -> Date? {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let length = Int64(duration.seconds)
        let first = floorDiv(zone.local(fromUTC: seconds - length), 86_400) - 1
        let last = floorDiv(zone.local(fromUTC: seconds), 86_400)
        var found: Int64?
        for day in first...last {
            for start in openings(onLocalDay: day, zone: zone) where start <= seconds && seconds < start + length {
                found = max(found ?? start, start)
            }
        }
        return found.map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// The first opening after `now`, within ``horizonDays``.
    public func nextOpening(after now: Date, zone: ZoneRules) -> Date? {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let today = floorDiv(zone.local(fromUTC: seconds), 86_400)
        for day in today...(today + Self.horizonDays) {
            if let start = openings(onLocalDay: day, zone: zone).first(where: { $0 > seconds }) {
                return Date(timeIntervalSince1970: Double(start))
            }
        }
        return nil
    }

    /// A description for reasons: `spec.safety.windows[0] (deny, 0 22 * * 5 for 48h, Europe/Berlin)`.
    public var summary: String {
        "\(field) (\(allows ? "allow" : "deny"), \(schedule) for \(duration), \(timeZone))"
    }

    /// The UTC instants (seconds) the schedule fires on a local day (days since 1970), in order.
    private func openings(onLocalDay day: Int64, zone: ZoneRules) -> [Int64] {
        let (_, month, dayOfMonth) = Self.civil(fromDays: day)
        let weekday = Int((day % 7 + 11) % 7)  // 1970-01-01 was a Thursday (4).
        guard schedule.matchesDay(month: month, day: dayOfMonth, weekday: weekday) else { return [] }
        return schedule.timesOfDay.map { zone.utc(fromLocal: day * 86_400 + Int64($0) * 60) }
    }

    /// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}
