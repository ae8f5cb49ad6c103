/// HTTP dates (RFC 9110 §5.6.7): formats Unix timestamps as IMF-fixdate for `Last-Modified`
/// and parses `If-Modified-Since` / `If-Unmodified-Since` values, without Foundation.
///
/// Civil-date conversion uses Howard Hinnant's `days_from_civil` / `civil_from_days`
/// algorithms on the proleptic Gregorian calendar (exact for every representable day).
public enum HTTPDate {
    private static let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let longDayNames = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: IMF-fixdate has a four-digit year.
    static let representableRange: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// Formats `unixSeconds` as `Sun, 06 Nov 1994 08:49:37 GMT`. Timestamps outside years
    /// 0001–9999 are clamped into that range.
    public static func format(_ unixSeconds: Int64) -> String {
        let seconds = min(max(unixSeconds, representableRange.lowerBound), representableRange.upperBound)
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civil(fromDays: days)
        let weekday = Int(((days % 7) + 7) % 7)
        return "\(dayNames[weekday]), \(pad(day, 2)) \(monthNames[month - 1]) \(pad(Int(year), 4)) "
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)) GMT"
    }

    /// Parses an HTTP date into Unix seconds; `nil` if it is malformed.
    ///
    /// Accepts the three formats RFC 9110 requires recipients to accept: IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`), obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`;
    /// two-digit years 70–99 are 19xx and 00–69 are 20xx) and asctime
    /// (`Sun Nov  6 08:49:37 1994`). Surrounding whitespace is ignored; names are
    /// case-sensitive as the grammar specifies; the day of the month must exist, the time must
    /// be valid (second 60 is accepted for leap seconds) and the day name must match the date.
    public static func parse(_ text: String) -> Int64? {
        var trimmed = Array(text.utf8)[...]
        while let first = trimmed.first, first == 0x20 || first == 0x09 { trimmed.removeFirst() }
        while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed.removeLast() }
        let bytes = Array(trimmed)
        return parseIMFFixdate(bytes) ?? parseRFC850(bytes) ?? parseAsctime(bytes)
    }

    // MARK: - Formats

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    private static func parseIMFFixdate(_ b: [UInt8]) -> Int64? {
        guard b.count == 29, text(b, 3, 5) == ", ", b[7] == 0x20, b[11] == 0x20, b[16] == 0x20, text(b, 25, 29) == " GMT",
            let weekday = dayNames.firstIndex(of: text(b, 0, 3)), let day = digits(b, 5, 7),
            let month = monthNames.firstIndex(of: text(b, 8, 11)), let year = digits(b, 12, 16),
            let seconds = time(b, 17)
        else { return nil }
        return timestamp(year: year, month: month + 1, day: day, secondOfDay: seconds, weekday: weekday)
    }

    /// `Sunday, 06-Nov-94 08:49:37 GMT`
    private static func parseRFC850(_ b: [UInt8]) -> Int64? {
        guard let comma = b.firstIndex(of: UInt8(ascii: ",")), let weekday = longDayNames.firstIndex(of: text(b, 0, comma))
        else { return nil }
        let rest = Array(b[(comma + 1)...])
        guard rest.count == 23, rest[0] == 0x20, rest[3] == UInt8(ascii: "-"), rest[7] == UInt8(ascii: "-"),
            rest[10] == 0x20, text(rest, 19, 23) == " GMT", let day = digits(rest, 1, 3),
            let month = monthNames.firstIndex(of: text(rest, 4, 7)), let shortYear = digits(rest, 8, 10),
            let seconds = time(rest, 11)
        else { return nil }
        let year = shortYear < 70 ? 2000 + shortYear : 1900 + shortYear
        return timestamp(year: year, month: month + 1, day: day, secondOfDay: seconds, weekday: weekday)
    }

    /// `Sun Nov  6 08:49:37 1994` (day padded with a space)
    private static func parseAsctime(_ b: [UInt8]) -> Int64? {
        guard b.count == 24, b[3] == 0x20, b[7] == 0x20, b[10] == 0x20, b[19] == 0x20,
            let weekday = dayNames.firstIndex(of: text(b, 0, 3)), let month = monthNames.firstIndex(of: text(b, 4, 7)),
            let day = b[8] == 0x20 ? digits(b, 9, 10) : digits(b, 8, 10), let seconds = time(b, 11),
            let year = digits(b, 20, 24)
        else { return nil }
        return timestamp(year: year, month: month + 1, day: day, secondOfDay: seconds, weekday: weekday)
    }

    // MARK: - Civil-date arithmetic

    /// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
    static func days(fromCivilYear year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400  // [0, 399]
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)  // March = 0
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1  // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097  // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365]
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // [0, 11], March = 0
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Validates the fields and converts them; `weekday` indexes `dayNames` (0 = Thursday).
    private static func timestamp(year: Int, month: Int, day: Int, secondOfDay: Int, weekday: Int) -> Int64? {
        guard year >= 1, day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        let days = days(fromCivilYear: Int64(year), month: month, day: day)
        guard ((days % 7) + 7) % 7 == Int64(weekday) else { return nil }
        return days * 86_400 + Int64(secondOfDay)
    }

    /// Days in a Gregorian month (leap years: divisible by 4, except centuries not divisible by 400).
    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Division rounding toward negative infinity (for dates before 1970).
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    // MARK: - Field helpers

    /// `HH:MM:SS` at `offset`, as seconds of the day.
    private static func time(_ b: [UInt8], _ offset: Int) -> Int? {
        guard b.count >= offset + 8, b[offset + 2] == UInt8(ascii: ":"), b[offset + 5] == UInt8(ascii: ":"),
            let hour = digits(b, offset, offset + 2), let minute = digits(b, offset + 3, offset + 5),
            let second = digits(b, offset + 6, offset + 8), hour < 24, minute < 60, second <= 60
        else { return nil }
        return hour * 3600 + minute * 60 + second
    }

    /// The decimal value of `b[start..<end]`, or `nil` unless it is all ASCII digits.
    private static func digits(_ b: [UInt8], _ start: Int, _ end: Int) -> Int? {
        guard start < end, end <= b.count else { return nil }
        var value = 0
        for byte in b[start..<end] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// `b[start..<end]` as a string (empty if out of bounds).
    private static func text(_ b: [UInt8], _ start: Int, _ end: Int) -> String {
        guard start <= end, end <= b.count else { return "" }
        return String(decoding: b[start..<end], as: UTF8.self)
    }

    /// `value` in decimal, zero-padded to `width` digits.
    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
