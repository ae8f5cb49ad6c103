/// A day of the proleptic Gregorian calendar, and the arithmetic between it and day counts since
/// 1970-01-01 (Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for every
/// representable day). The one home of calendar arithmetic: `Timestamp` (RFC 3339) and
/// `HTTPDate` (IMF-fixdate) format and parse with it.
public struct CivilDate: Sendable, Hashable {
    /// The year (astronomical numbering: year 0 exists, so 1 BC is 0).
    public var year: Int
    /// The month, 1–12.
    public var month: Int
    /// The day of the month, 1–31.
    public var day: Int

    /// A date from its fields, taken as given (see `isValid`).
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (before it for negative counts).
    public init(daysSinceEpoch days: Int) {
        let shifted = days + 719_468
        let era = Self.floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097  // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365]
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // [0, 11], March = 0
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01 (negative before it). Meaningful for valid dates.
    public var daysSinceEpoch: Int {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = Self.floorDivide(adjustedYear, 400)
        let yearOfEra = adjustedYear - era * 400  // [0, 399]
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1  // [0, 365], March = 0
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Whether the month is 1–12 and the day exists in it.
    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= Self.daysInMonth(year: year, month: month)
    }

    /// Days in a Gregorian month (leap years: divisible by 4, except centuries not divisible by 400).
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The day of the week of a day count since 1970-01-01: 0 = Sunday … 6 = Saturday
    /// (1970-01-01 was a Thursday, 4).
    public static func weekday(daysSinceEpoch days: Int) -> Int {
        ((days + 4) % 7 + 7) % 7
    }

    /// Splits seconds since the epoch into whole days and the second of that day (0–86399),
    /// rounding toward the past for times before 1970.
    public static func split(secondsSinceEpoch seconds: Int64) -> (days: Int, secondOfDay: Int) {
        let days = floorDivide(seconds, 86_400)
        return (Int(days), Int(seconds - days * 86_400))
    }

    /// Division rounding toward negative infinity (for dates before 1970).
    private static func floorDivide<Value: BinaryInteger>(_ value: Value, _ divisor: Value) -> Value {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
