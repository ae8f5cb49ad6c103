/// Small ASCII helpers shared by the parsers (query strings, filters, header parameters).
public enum ASCII {
    /// The value of an ASCII hex digit (`0-9`, `a-f`, `A-F`), or nil.
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `bytes` as lowercase hex, two digits per byte (digests, cursors).
    public static func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(hexDigit(byte >> 4))
            text.append(hexDigit(byte & 0x0F))
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The lowercase hex digit of a nibble (0–15).
    @inline(__always)
    public static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }

    /// Whether `byte` is a space or a horizontal tab (HTTP's optional whitespace).
    @inline(__always)
    public static func isSpaceOrTab(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// The value of `digits` read as a decimal number; nil when empty or when any byte is not
    /// an ASCII digit. Callers bound the length (fixed-width date fields), so it cannot overflow.
    public static func decimalValue(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// The number of decimal digits of `value` (1 for 0).
    public static func decimalDigitCount(_ value: UInt64) -> Int {
        var rest = value, count = 1
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// Writes `value` in decimal at the start of `buffer` (at least `decimalDigitCount(value)`
    /// long); returns the digits written.
    public static func writeDecimal(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let count = decimalDigitCount(value)
        var rest = value
        var index = count - 1
        repeat {
            buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        } while rest > 0
        return count
    }

    /// Appends `value` in decimal, without building a `String`.
    public static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            let count = writeDecimal(value, into: digits)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[..<count]))
        }
    }

    /// Writes the non-negative `value` as exactly `width` decimal digits (zero-padded, higher
    /// digits dropped) into `bytes[offset..<offset + width]`, without allocating.
    public static func writeDecimal(_ value: Int, width: Int, into bytes: inout [UInt8], at offset: Int) {
        var remaining = value
        for index in stride(from: offset + width - 1, through: offset, by: -1) {
            bytes[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    public func trimmingASCIISpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}

extension ArraySlice<UInt8> {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace), as UTF-8 bytes.
    public func trimmingASCIISpaces() -> ArraySlice<UInt8> {
        var lower = startIndex
        var upper = endIndex
        while lower < upper, ASCII.isSpaceOrTab(self[lower]) { lower += 1 }
        while upper > lower, ASCII.isSpaceOrTab(self[upper - 1]) { upper -= 1 }
        return self[lower..<upper]
    }
}
