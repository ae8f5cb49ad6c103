import AppBaseCore

/// HTTP dates (RFC 9110 §5.6.7), the one home of IMF-fixdate in AppBase: formats Unix timestamps
/// for `Date` and `Last-Modified` and parses `If-Modified-Since` / `If-Unmodified-Since` /
/// `If-Range` values, without Foundation. Calendar arithmetic is `CivilDate`'s.
public enum HTTPDate {
    /// Day names in `CivilDate.weekday` order (0 = Sunday), three bytes each.
    private static let dayNames: StaticString = "SunMonTueWedThuFriSat"
    private static let longDayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    /// Month names, January first, three bytes each.
    private static let monthNames: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: IMF-fixdate has a four-digit year.
    static let representableRange: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// The length of an IMF-fixdate in bytes.
    public static let formattedLength = 29

    /// Formats `unixSeconds` as `Sun, 06 Nov 1994 08:49:37 GMT`. Timestamps outside years
    /// 0001–9999 are clamped into that range.
    public static func format(_ unixSeconds: Int64) -> String {
        var bytes = [UInt8](repeating: 0, count: formattedLength)
        write(unixSeconds, into: &bytes, at: 0)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the IMF-fixdate of `unixSeconds` into `bytes[offset..<offset + formattedLength]`
    /// without allocating, so a cached `Date` header can be refreshed in place once a second.
    public static func write(_ unixSeconds: Int64, into bytes: inout [UInt8], at offset: Int) {
        let seconds = min(max(unixSeconds, representableRange.lowerBound), representableRange.upperBound)
        let (days, secondOfDay) = CivilDate.split(secondsSinceEpoch: seconds)
        let date = CivilDate(daysSinceEpoch: days)
        func name(_ table: StaticString, _ index: Int, at position: Int) {
            for letter in 0..<3 { bytes[offset + position + letter] = table.utf8Start[index * 3 + letter] }
        }
        func number(_ value: Int, _ width: Int, at position: Int) {
            ASCII.writeDecimal(value, width: width, into: &bytes, at: offset + position)
        }
        func byte(_ character: Unicode.Scalar, at position: Int) { bytes[offset + position] = UInt8(ascii: character) }
        name(dayNames, CivilDate.weekday(daysSinceEpoch: days), at: 0)
        byte(",", at: 3); byte(" ", at: 4)
        number(date.day, 2, at: 5); byte(" ", at: 7)
        name(monthNames, date.month - 1, at: 8); byte(" ", at: 11)
        number(date.year, 4, at: 12); byte(" ", at: 16)
        number(secondOfDay / 3600, 2, at: 17); byte(":", at: 19)
        number(secondOfDay / 60 % 60, 2, at: 20); byte(":", at: 22)
        number(secondOfDay % 60, 2, at: 23)
        byte(" ", at: 25); byte("G", at: 26); byte("M", at: 27); byte("T", at: 28)
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
        let bytes = Array(Array(text.utf8)[...].trimmingASCIISpaces())
        return parseIMFFixdate(bytes) ?? parseRFC850(bytes) ?? parseAsctime(bytes)
    }

    // MARK: - Formats

    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    private static func parseIMFFixdate(_ b: [UInt8]) -> Int64? {
        guard b.count == 29, text(b, 3, 5) == ", ", b[7] == 0x20, b[11] == 0x20, b[16] == 0x20, text(b, 25, 29) == " GMT",
            let weekday = index(of: b, 0, in: dayNames), let day = digits(b, 5, 7),
            let month = index(of: b, 8, in: monthNames), let year = digits(b, 12, 16),
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
            let month = index(of: rest, 4, in: monthNames), let shortYear = digits(rest, 8, 10),
            let seconds = time(rest, 11)
        else { return nil }
        let year = shortYear < 70 ? 2000 + shortYear : 1900 + shortYear
        return timestamp(year: year, month: month + 1, day: day, secondOfDay: seconds, weekday: weekday)
    }

    /// `Sun Nov  6 08:49:37 1994` (day padded with a space)
    private static func parseAsctime(_ b: [UInt8]) -> Int64? {
        guard b.count == 24, b[3] == 0x20, b[7] == 0x20, b[10] == 0x20, b[19] == 0x20,
            let weekday = index(of: b, 0, in: dayNames), let month = index(of: b, 4, in: monthNames),
            let day = b[8] == 0x20 ? digits(b, 9, 10) : digits(b, 8, 10), let seconds = time(b, 11),
            let year = digits(b, 20, 24)
        else { return nil }
        return timestamp(year: year, month: month + 1, day: day, secondOfDay: seconds, weekday: weekday)
    }

    /// Validates the fields and converts them; `weekday` is in `CivilDate.weekday` numbering.
    private static func timestamp(year: Int, month: Int, day: Int, secondOfDay: Int, weekday: Int) -> Int64? {
        let date = CivilDate(year: year, month: month, day: day)
        guard year >= 1, date.isValid else { return nil }
        let days = date.daysSinceEpoch
        guard CivilDate.weekday(daysSinceEpoch: days) == weekday else { return nil }
        return Int64(days) * 86_400 + Int64(secondOfDay)
    }

    // MARK: - Field helpers

    /// The position in `table` (three-byte names) of the name at `b[offset..<offset + 3]`.
    private static func index(of b: [UInt8], _ offset: Int, in table: StaticString) -> Int? {
        guard offset + 3 <= b.count else { return nil }
        let names = UnsafeBufferPointer(start: table.utf8Start, count: table.utf8CodeUnitCount)
        for entry in 0..<(names.count / 3)
        where names[entry * 3] == b[offset] && names[entry * 3 + 1] == b[offset + 1] && names[entry * 3 + 2] == b[offset + 2] {
            return entry
        }
        return nil
    }

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
        return ASCII.decimalValue(b[start..<end])
    }

    /// `b[start..<end]` as a string (empty if out of bounds).
    private static func text(_ b: [UInt8], _ start: Int, _ end: Int) -> String {
        guard start <= end, end <= b.count else { return "" }
        return String(decoding: b[start..<end], as: UTF8.self)
    }
}
