import OrderedCollections

/// Why a JSON document was rejected, and where.
///
/// `offset` is the byte offset (zero-based, in the UTF-8 input) of the problem:
/// the offending byte, the start of the offending token, or the input's length
/// when the input ended too early.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset of the problem in the input.
    public let offset: Int
    /// Human-readable description of the problem, safe to show to clients.
    public let message: String

    /// Creates a parse error at `offset` with `message`.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    /// `"message at byte offset N"`.
    public var description: String { "\(message) at byte offset \(offset)" }

    /// The client-facing error (400 `invalidJSON`, with the offset in `details`).
    public var appBaseError: AppBaseError { .invalidJSON(message, offset: offset) }
}

/// A strict, byte-level RFC 8259 JSON parser.
///
/// Rejects trailing commas, comments, leading zeros, `NaN`/`Infinity`, unescaped
/// control characters, invalid escapes, lone surrogates, invalid UTF-8, duplicate
/// object keys, trailing content, and nesting deeper than `maxDepth` containers
/// (a top-level `[]` has depth 1). Integer literals that fit `Int64` become `.int`
/// (`-0` becomes `.int(0)`); any other number becomes `.double`, correctly rounded,
/// and numbers whose magnitude overflows `Double` are rejected.
///
/// Duplicate keys are rejected (rather than "last one wins") because SQLite's JSON
/// functions return the *first* occurrence; rejecting keeps storage and evaluation in agreement.
public enum JSONParser {
    /// Parses one JSON value from raw UTF-8 bytes.
    ///
    /// - Parameters:
    ///   - bytes: the whole document; whitespace around the value is allowed.
    ///   - maxDepth: the deepest container nesting accepted. Parsing recurses once per
    ///     level, so keep this modest (the default suits request bodies).
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 32) throws(JSONParseError) -> JSONValue {
        let result = bytes.withMemoryRebound(to: UInt8.self) { typed in
            Result { () throws(JSONParseError) -> JSONValue in try parseTyped(typed, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON value from an array of UTF-8 bytes.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 32) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { typed in
            Result { () throws(JSONParseError) -> JSONValue in try parseTyped(typed, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON value from a string (offsets in errors count its UTF-8 bytes).
    public static func parse(_ text: String, maxDepth: Int = 32) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { typed in
            Result { () throws(JSONParseError) -> JSONValue in try parseTyped(typed, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    static func parseTyped(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(JSONParseError) -> JSONValue {
        guard let base = buffer.baseAddress, !buffer.isEmpty else {
            throw JSONParseError(offset: 0, message: "unexpected end of input")
        }
        var parser = ByteParser(base: base, count: buffer.count, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.pos < parser.count {
            throw parser.fail(parser.pos, "unexpected \(ByteParser.describe(base[parser.pos])) after the JSON value")
        }
        return value
    }
}

/// Exact powers of ten representable in a `Double` (the Clinger fast path).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// The recursive-descent state over one contiguous input buffer.
struct ByteParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    var pos = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.base = base
        self.count = count
        self.maxDepth = maxDepth
    }

    func fail(_ offset: Int, _ message: String) -> JSONParseError {
        JSONParseError(offset: offset, message: message)
    }

    /// The error for a missing `expectation` at the current position.
    func unexpected(expecting expectation: String) -> JSONParseError {
        guard pos < count else { return fail(pos, "unexpected end of input") }
        return fail(pos, "expected \(expectation), found \(Self.describe(base[pos]))")
    }

    static func describe(_ byte: UInt8) -> String {
        if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < count {
            switch base[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < count else { throw fail(pos, "unexpected end of input") }
        switch base[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case let byte: throw fail(pos, "unexpected \(Self.describe(byte))")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        guard count - pos >= length else { throw fail(pos, "invalid literal") }
        for index in 0..<length where base[pos + index] != expected[index] {
            throw fail(pos, "invalid literal")
        }
        pos += length
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(pos, "nesting deeper than \(maxDepth)") }
        pos += 1
        skipWhitespace()
        var elements: [JSONValue] = []
        if pos < count && base[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard pos < count else { throw fail(pos, "unexpected end of input") }
            switch base[pos] {
            case UInt8(ascii: ","):
                pos += 1
                skipWhitespace()
                if pos < count && base[pos] == UInt8(ascii: "]") { throw fail(pos, "trailing comma") }
            case UInt8(ascii: "]"):
                pos += 1
                return .array(elements)
            default:
                throw unexpected(expecting: "',' or ']'")
            }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(pos, "nesting deeper than \(maxDepth)") }
        pos += 1
        skipWhitespace()
        var members = OrderedDictionary<String, JSONValue>()
        if pos < count && base[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object(members)
        }
        while true {
            guard pos < count, base[pos] == UInt8(ascii: "\"") else { throw unexpected(expecting: "a string key") }
            let keyOffset = pos
            let key = try parseString()
            // Insert a placeholder now so a duplicate is reported at its key, in document order.
            if members.updateValue(.null, forKey: key) != nil {
                var quoted: [UInt8] = []
                JSONText.appendEscapedString(key, to: &quoted)
                throw fail(keyOffset, "duplicate key \(String(decoding: quoted, as: UTF8.self))")
            }
            let index = members.count - 1
            skipWhitespace()
            guard pos < count, base[pos] == UInt8(ascii: ":") else { throw unexpected(expecting: "':'") }
            pos += 1
            skipWhitespace()
            members.values[index] = try parseValue(depth: depth)
            skipWhitespace()
            guard pos < count else { throw fail(pos, "unexpected end of input") }
            switch base[pos] {
            case UInt8(ascii: ","):
                pos += 1
                skipWhitespace()
                if pos < count && base[pos] == UInt8(ascii: "}") { throw fail(pos, "trailing comma") }
            case UInt8(ascii: "}"):
                pos += 1
                return .object(members)
            default:
                throw unexpected(expecting: "',' or '}'")
            }
        }
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote; validates UTF-8 while scanning.
    mutating func parseString() throws(JSONParseError) -> String {
        let quote = pos
        pos += 1
        var segmentStart = pos
        var escaped = false
        while pos < count {
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
            let byte = base[pos + index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw fail(pos - 2, "invalid \\u escape")
            }
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

    // MARK: Numbers

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
            if negative { return .int(integer) }
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
        return .double(value)
    }
}
