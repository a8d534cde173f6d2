/// A cron schedule's five fields (minute, hour, day of month, month, day of week), as crontab(5) reads
/// them: `*`, numbers, ranges `a-b`, lists `a,b`, and steps `*/n` or `a-b/n`; day of week 0 or 7 is
/// Sunday. As in cron, when both day fields are restricted a day matching either one matches.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    public let daysOfWeek: Set<Int>
    /// The times of day it fires, in minutes after midnight, in order (worked out once: a window looks
    /// them up for every day it searches, at each plan).
    public let timesOfDay: [Int]
    private let dayOfMonthRestricted: Bool
    private let dayOfWeekRestricted: Bool
    public let description: String

    /// Why a schedule does not parse.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    public init(_ text: String) throws(ParseError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "'\(text)' needs 5 fields (minute hour day-of-month month day-of-week), has \(fields.count)")
        }
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        daysOfMonth = try Self.field(fields[2], "day of month", 1...31)
        months = try Self.field(fields[3], "month", 1...12)
        daysOfWeek = Set(try Self.field(fields[4], "day of week", 0...7).map { $0 % 7 })
        timesOfDay = hours.sorted().flatMap { [minutes] hour in minutes.sorted().map { hour * 60 + $0 } }
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
        description = fields.joined(separator: " ")
    }

    /// Whether the schedule fires on the day `day` of `month` whose weekday is `weekday` (0 Sunday).
    public func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(day)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }


    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(ParseError) -> Set<Int> {
        var values: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw ParseError(description: "\(name) '\(part)' has more than one /") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else { throw ParseError(description: "\(name) step '\(pieces[1])' is not a positive number") }
                step = parsed
            }
            let span: ClosedRange<Int>
            if pieces[0] == "*" {
                span = range
            } else {
                let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard (1...2).contains(bounds.count), let low = bounds[0], let high = bounds.count == 2 ? bounds[1] : (pieces.count == 2 ? range.upperBound : low),
                      range.contains(low), range.contains(high), low <= high else {
                    throw ParseError(description: "\(name) '\(part)' is not a value or range within \(range.lowerBound)-\(range.upperBound)")
                }
                span = low...high
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }
}
