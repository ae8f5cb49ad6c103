/// Exact powers of ten representable in a `Double` (the Clinger fast path).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// Number parsing for ``JSONByteParser``.
extension JSONByteParser {
    @inline(__always)
    func isDigit(at index: Int) -> Bool {
        index < count && base[index] &- UInt8(ascii: "0") < 10
    }

    /// Parses `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = pos
        let negative = base[pos] == UInt8(ascii: "-")
        if negative { pos += 1 }
        guard isDigit(at: pos) else { throw unexpected(expecting: "a digit") }
        // Integer accumulated as a negative value so Int64.min fits.
        var integer: Int64 = 0
        var integerOverflow = false
        // Significand for the double fast path: at most 19 significant digits.
        var significand: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var isInteger = true

        if base[pos] == UInt8(ascii: "0") {
            pos += 1
            if isDigit(at: pos) { throw fail(start, "leading zeros are not allowed") }
        } else {
            while isDigit(at: pos) {
                let digit = base[pos] &- UInt8(ascii: "0")
                let (shifted, overflow1) = integer.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = shifted.subtractingReportingOverflow(Int64(digit))
                integerOverflow = integerOverflow || overflow1 || overflow2
                integer = next
                significantDigits += 1
                if significantDigits <= 19 { significand = significand &* 10 &+ UInt64(digit) }
                pos += 1
            }
        }
        if pos < count && base[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard isDigit(at: pos) else { throw unexpected(expecting: "a digit after '.'") }
            while isDigit(at: pos) {
                let digit = base[pos] &- UInt8(ascii: "0")
                if significand != 0 || digit != 0 { significantDigits += 1 }
                if significantDigits <= 19 { significand = significand &* 10 &+ UInt64(digit) }
                exponent -= 1
                pos += 1
            }
        }
        if pos < count && (base[pos] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            var exponentNegative = false
            if pos < count && (base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-")) {
                exponentNegative = base[pos] == UInt8(ascii: "-")
                pos += 1
            }
            guard isDigit(at: pos) else { throw unexpected(expecting: "a digit in the exponent") }
            var explicit = 0
            while isDigit(at: pos) {
                if explicit < 1_000_000 { explicit = explicit * 10 + Int(base[pos] &- UInt8(ascii: "0")) }
                pos += 1
            }
            exponent += exponentNegative ? -explicit : explicit
        }

        if isInteger && !integerOverflow {
            if negative { return keepsNumberText && integer == 0 ? numberText(from: start) : .int(integer) }
            if integer != .min { return .int(-integer) }
        }
        let value: Double
        if significantDigits <= 19 && significand <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            // Both operands are exact, so one IEEE operation rounds correctly.
            let magnitude = Double(significand)
            let scaled = exponent < 0
                ? magnitude / exactPowersOfTen[-exponent] : magnitude * exactPowersOfTen[exponent]
            value = negative ? -scaled : scaled
        } else {
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
            guard let parsed = Double(text) else { throw fail(start, "invalid number") }
            value = parsed
        }
        guard value.isFinite else { throw fail(start, "number out of range") }
        return keepsNumberText ? numberText(from: start) : .double(value)
    }

    /// The number that ends at `pos`, as its source text.
    private func numberText(from start: Int) -> JSONValue {
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        return .number(JSONNumber(validatedText: text))
    }
}
