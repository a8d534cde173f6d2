import Foundation
import KubernetesAPI
import ResilienceCore
import Testing

/// `spec.safety.windows`: cron schedules, time zones read from the system's TZif files, and the hold a
/// deny window, or the lack of an allow window, puts on every action.
@Suite struct MaintenanceWindowTests {
    private static func date(_ text: String) -> Date { KubernetesJSON.parseTimestamp(text)! }

    private static func berlin() throws -> ZoneRules {
        try ZoneRules(tzif: [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/usr/share/zoneinfo/Europe/Berlin"))))
    }

    @Test func cronFieldsParseAsCrontabReadsThem() throws {
        let schedule = try CronSchedule("*/15 22 1,15 * 1-5")
        #expect(schedule.minutes == [0, 15, 30, 45])
        #expect(schedule.hours == [22])
        #expect(schedule.matchesDay(month: 3, day: 15, weekday: 0), "either day field matches when both are restricted")
        #expect(schedule.matchesDay(month: 3, day: 3, weekday: 2))
        #expect(!schedule.matchesDay(month: 3, day: 3, weekday: 6))
        #expect(try CronSchedule("0 0 * * 7").daysOfWeek == [0], "7 is Sunday")
        #expect(throws: CronSchedule.ParseError(description: "'0 22 * *' needs 5 fields (minute hour day-of-month month day-of-week), has 4")) { try CronSchedule("0 22 * *") }
        #expect(throws: CronSchedule.ParseError(description: "hour '24' is not a value or range within 0-23")) { try CronSchedule("0 24 * * *") }
        #expect(throws: CronSchedule.ParseError(description: "minute step '0' is not a positive number")) { try CronSchedule("*/0 * * * *") }
    }

    @Test func aZoneFileGivesItsOffsetsAcrossDaylightSaving() throws {
        let zone = try Self.berlin()
        #expect(zone.offset(at: Self.date("2026-01-15T12:00:00Z")) == 3600)
        #expect(zone.offset(at: Self.date("2026-07-15T12:00:00Z")) == 7200)
        // The last Sunday of March 2026, 01:00 UTC: clocks go from 02:00 to 03:00.
        #expect(zone.offset(at: Self.date("2026-03-29T00:59:59Z")) == 3600)
        #expect(zone.offset(at: Self.date("2026-03-29T01:00:00Z")) == 7200)
        #expect(ZoneRules.utc.offset(at: Self.date("2026-07-15T12:00:00Z")) == 0)
        #expect(throws: ZoneRules.FormatError.self) { try ZoneRules(tzif: Array("not a zone".utf8)) }
    }

    @Test func aDenyWindowHoldsUntilItCloses() throws {
        // Fridays at 22:00 in Berlin, for 48 hours.
        let window = MaintenanceWindow(schedule: try CronSchedule("0 22 * * 5"), duration: PolicyDuration("48h")!, timeZone: "Europe/Berlin", allows: false, field: "spec.safety.windows[0]")
        let zones = ["Europe/Berlin": try Self.berlin()]
        // Saturday 2026-11-28 10:00 UTC: opened Friday 22:00 Berlin (21:00 UTC), closes Sunday 21:00 UTC.
        let inside = PolicyHold.windows([window], zones: zones, now: Self.date("2026-11-28T10:00:00Z"))
        #expect(inside.hold?.check == .window)
        #expect(inside.hold?.until == Self.date("2026-11-29T21:00:00Z"))
        #expect(inside.hold?.reason == "a deny window is open: spec.safety.windows[0] (deny, 0 22 * * 5 for 48h, Europe/Berlin), until 2026-11-29T21:00:00Z; no action until then")
        // Monday: open for actions; the next change is Friday's opening, in summer time an hour earlier in UTC.
        let outside = PolicyHold.windows([window], zones: zones, now: Self.date("2026-11-30T10:00:00Z"))
        #expect(outside.hold == nil)
        #expect(outside.changesAt == Self.date("2026-12-04T21:00:00Z"))
        let summer = PolicyHold.windows([window], zones: zones, now: Self.date("2026-07-06T10:00:00Z"))
        #expect(summer.changesAt == Self.date("2026-07-10T20:00:00Z"))
    }

    @Test func outsideEveryAllowWindowNothingActsUntilTheNextOpens() throws {
        let window = MaintenanceWindow(schedule: try CronSchedule("0 2 * * *"), duration: PolicyDuration("2h")!, timeZone: "UTC", allows: true, field: "spec.safety.windows[0]")
        let outside = PolicyHold.windows([window], zones: [:], now: Self.date("2026-11-30T05:00:00Z"))
        #expect(outside.hold?.until == Self.date("2026-12-01T02:00:00Z"))
        #expect(outside.hold?.reason.hasPrefix("outside every allow window; the next opens at 2026-12-01T02:00:00Z") == true, "\(String(describing: outside.hold))")
        let inside = PolicyHold.windows([window], zones: [:], now: Self.date("2026-11-30T03:00:00Z"))
        #expect(inside.hold == nil)
        #expect(inside.changesAt == Self.date("2026-11-30T04:00:00Z"), "the plan wakes when the window closes")
    }

    @Test func aHeldPlanSaysUntilWhenAndWakesThen() throws {
        let target = try Scenario.stable()
        let now = Scenario.after(5, target)
        let policy = try Scenario.policy(#"{"health":{"waitingReasons":["CrashLoopBackOff"]},"safety":{"cooldown":"1s","windows":[{"schedule":"* * * * *","duration":"1h"}]}}"#)
        #expect(policy.windows.map(\.summary) == ["spec.safety.windows[0] (deny, * * * * * for 1h, UTC)"])
        let windows = PolicyHold.windows(policy.windows, zones: [:], now: now)
        let plan = Planner.plan(policy: policy, targets: [target], hold: windows.hold, holdChangesAt: windows.changesAt, history: .init(), now: now)
        let decision = try #require(plan.decisions.first { $0.step == .restartPod })
        #expect(decision.blockedBy == .window)
        #expect(decision.reason.contains("held: a deny window is open: spec.safety.windows[0] (deny, * * * * * for 1h, UTC), until "), "\(decision.reason)")
        #expect(plan.wakeAt == windows.hold?.until)
    }
}
