/// RFC 3339 timestamps with millisecond precision in UTC, fixed width
/// (`2026-11-26T17:06:13.123Z`), so their text order is their time order.
public enum Timestamp {
    /// Formats milliseconds since the epoch.
    public static func rfc3339(milliseconds: Int64) -> String {
        var bytes = [UInt8](repeating: 0, count: 24)
        write(milliseconds: milliseconds, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the 24-byte form into `bytes[0..<24]`.
    public static func write(milliseconds: Int64, into bytes: inout [UInt8]) {
        let millis = Int(((milliseconds % 1000) + 1000) % 1000)
        let totalSeconds = (milliseconds - Int64(millis)) / 1000
        let days = Int(floorDivide(totalSeconds, 86_400))
        let secondOfDay = Int(totalSeconds - Int64(days) * 86_400)
        let (year, month, day) = civilDate(fromDays: days)
        func put(_ value: Int, _ width: Int, at offset: Int) {
            var remaining = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[index] = UInt8(48 + remaining % 10)
                remaining /= 10
            }
        }
        put(year, 4, at: 0); bytes[4] = 45
        put(month, 2, at: 5); bytes[7] = 45
        put(day, 2, at: 8); bytes[10] = 84
        put(secondOfDay / 3600, 2, at: 11); bytes[13] = 58
        put(secondOfDay / 60 % 60, 2, at: 14); bytes[16] = 58
        put(secondOfDay % 60, 2, at: 17); bytes[19] = 46
        put(millis, 3, at: 20); bytes[23] = 90
    }

    /// Parses the fixed-width form written by `rfc3339(milliseconds:)`; `nil` otherwise.
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58,
              bytes[16] == 58, bytes[19] == 46, bytes[23] == 90 else { return nil }
        func number(_ offset: Int, _ width: Int) -> Int? {
            var value = 0
            for index in offset..<(offset + width) {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              let millis = number(20, 3), (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return (Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millis)
    }

    /// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
    /// (Howard Hinnant's civil_from_days algorithm).
    public static func civilDate(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// (year, month, day) → days since 1970-01-01.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }
}
