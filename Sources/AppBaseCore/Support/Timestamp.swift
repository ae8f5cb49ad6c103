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
        let (days, secondOfDay) = CivilDate.split(secondsSinceEpoch: (milliseconds - Int64(millis)) / 1000)
        let date = CivilDate(daysSinceEpoch: days)
        func put(_ value: Int, _ width: Int, at offset: Int) {
            ASCII.writeDecimal(value, width: width, into: &bytes, at: offset)
        }
        put(date.year, 4, at: 0); bytes[4] = 45
        put(date.month, 2, at: 5); bytes[7] = 45
        put(date.day, 2, at: 8); bytes[10] = 84
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
            ASCII.decimalValue(bytes[offset..<(offset + width)])
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              let millis = number(20, 3), (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        return (Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000 + Int64(millis)
    }
}
