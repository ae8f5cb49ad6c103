/// String scanning for ``JSONByteParser``: escapes, surrogate pairs and UTF-8 validation.
extension JSONByteParser {
    /// Parses a string starting at its opening quote; validates UTF-8 while scanning.
    mutating func parseString() throws(JSONParseError) -> String {
        let quote = pos
        pos += 1
        var segmentStart = pos
        var escaped = false
        while pos < count {
            skipPlainBytes()
            guard pos < count else { break }
            let byte = base[pos]
            if byte == UInt8(ascii: "\"") {
                let segment = UnsafeBufferPointer(start: base + segmentStart, count: pos - segmentStart)
                pos += 1
                if !escaped { return String(decoding: segment, as: UTF8.self) }
                scratch.append(contentsOf: segment)
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                if !escaped {
                    escaped = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + segmentStart, count: pos - segmentStart))
                try parseEscape()
                segmentStart = pos
            } else if byte < 0x20 {
                throw fail(pos, "unescaped control character \(Self.describe(byte)) in string")
            } else if byte < 0x80 {
                pos += 1
            } else {
                try skipUTF8Sequence(lead: byte)
            }
        }
        throw fail(quote, "unterminated string")
    }

    /// Advances `pos` over printable ASCII other than `"` and `\`, eight bytes at a time,
    /// stopping at the first byte that needs attention.
    @inline(__always)
    mutating func skipPlainBytes() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while count - pos >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // High bit set in a byte that is a quote, a backslash, below 0x20, or non-ASCII;
            // borrows can only mark bytes above the first hit, so the lowest mark is exact.
            let marks = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash
                | (word &- ones &* 0x20) & ~word | word) & highs
            if marks != 0 {
                pos += marks.trailingZeroBitCount >> 3
                return
            }
            pos += 8
        }
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
    @inline(__always)
    mutating func skipUTF8Sequence(lead: UInt8) throws(JSONParseError) {
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail(pos, "invalid UTF-8")
        }
        guard count - pos >= length else { throw fail(pos, "invalid UTF-8") }
        let second = base[pos + 1]
        guard second >= low && second <= high else { throw fail(pos, "invalid UTF-8") }
        if length > 2 {
            guard base[pos + 2] & 0xC0 == 0x80 else { throw fail(pos, "invalid UTF-8") }
            if length > 3 {
                guard base[pos + 3] & 0xC0 == 0x80 else { throw fail(pos, "invalid UTF-8") }
            }
        }
        pos += length
    }

    /// Decodes the escape at `pos` (a backslash) into `scratch`.
    mutating func parseEscape() throws(JSONParseError) {
        let start = pos
        guard pos + 1 < count else { throw fail(start, "invalid escape") }
        let decoded: UInt8
        switch base[pos + 1] {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5C
        case UInt8(ascii: "/"): decoded = 0x2F
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            pos += 2
            let unit = try readHex4()
            var scalar = UInt32(unit)
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw fail(start, "unpaired surrogate in \\u escape")
            } else if unit >= 0xD800 && unit <= 0xDBFF {
                guard count - pos >= 2, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u") else {
                    throw fail(start, "unpaired surrogate in \\u escape")
                }
                pos += 2
                let trail = try readHex4()
                guard trail >= 0xDC00 && trail <= 0xDFFF else { throw fail(start, "unpaired surrogate in \\u escape") }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(trail) - 0xDC00)
            }
            appendUTF8(scalar)
            return
        default:
            throw fail(start, "invalid escape")
        }
        scratch.append(decoded)
        pos += 2
    }

    /// Reads four hex digits at `pos`.
    mutating func readHex4() throws(JSONParseError) -> UInt16 {
        guard count - pos >= 4 else { throw fail(pos - 2, "invalid \\u escape") }
        var value: UInt16 = 0
        for index in 0..<4 {
            guard let digit = ASCII.hexValue(base[pos + index]) else { throw fail(pos - 2, "invalid \\u escape") }
            value = value << 4 | UInt16(digit)
        }
        pos += 4
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        }
    }

}
