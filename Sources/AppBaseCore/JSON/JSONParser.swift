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
/// and numbers whose magnitude overflows `Double` are rejected. With `keepingNumberText` the
/// numbers other than `.int` keep their text instead (`.number`).
///
/// Duplicate keys are rejected (rather than "last one wins") because SQLite's JSON
/// functions return the *first* occurrence; rejecting keeps storage and evaluation in agreement.
/// Keys are compared as Swift strings (canonical equivalence), so `"é"` and `"e\u0301"` in one
/// object are duplicates too: an `OrderedDictionary<String, _>` could not hold both.
public enum JSONParser {
    /// Parses one JSON value from raw UTF-8 bytes.
    ///
    /// - Parameters:
    ///   - bytes: the whole document; whitespace around the value is allowed.
    ///   - maxDepth: the deepest container nesting accepted. Parsing recurses once per
    ///     level, so keep this modest (the default suits request bodies).
    ///   - keepingNumberText: numbers that `.int` would not give back as written (reals, integers
    ///     beyond `Int64`, `-0`) become `.number` with their source text instead of `.double`
    ///     or `.int(0)`, so serializing the value writes them as they were: for documents that
    ///     are stored and read back, such as records.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 32,
                             keepingNumberText: Bool = false) throws(JSONParseError) -> JSONValue {
        let result = bytes.withMemoryRebound(to: UInt8.self) { typed in
            Result { () throws(JSONParseError) -> JSONValue in try parseTyped(typed, maxDepth: maxDepth, keepingNumberText: keepingNumberText) }
        }
        return try result.get()
    }

    /// Parses one JSON value from an array of UTF-8 bytes.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 32,
                             keepingNumberText: Bool = false) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { typed in
            Result { () throws(JSONParseError) -> JSONValue in try parseTyped(typed, maxDepth: maxDepth, keepingNumberText: keepingNumberText) }
        }
        return try result.get()
    }

    /// Parses one JSON value from a string (offsets in errors count its UTF-8 bytes).
    public static func parse(_ text: String, maxDepth: Int = 32,
                             keepingNumberText: Bool = false) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { typed in
            Result { () throws(JSONParseError) -> JSONValue in try parseTyped(typed, maxDepth: maxDepth, keepingNumberText: keepingNumberText) }
        }
        return try result.get()
    }

    static func parseTyped(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int,
                           keepingNumberText: Bool) throws(JSONParseError) -> JSONValue {
        guard let base = buffer.baseAddress, !buffer.isEmpty else {
            throw JSONParseError(offset: 0, message: "unexpected end of input")
        }
        var parser = JSONByteParser(base: base, count: buffer.count, maxDepth: maxDepth)
        parser.keepsNumberText = keepingNumberText
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        try parser.expectEnd()
        return value
    }
}

/// The recursive-descent state over one contiguous input buffer.
///
/// Elements and members of open containers accumulate on shared stacks and are moved into
/// exactly-sized storage when the container closes, so each array or object costs one
/// allocation (two for objects) instead of one per growth step.
struct JSONByteParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    /// Whether numbers `.int` cannot reproduce become `.number` (see `JSONParser.parse`).
    var keepsNumberText = false
    var pos = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []
    /// Values of the open arrays and objects, innermost last.
    var values: [JSONValue] = []
    /// Keys of the open objects, innermost last (parallel to their entries in `values`).
    var keys: [String] = []

    /// Objects with more keys than this check duplicates with a hash set instead of a scan.
    static let linearKeyCheckLimit = 12

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

    /// Refuses anything but whitespace after the top-level value.
    mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        if pos < count { throw fail(pos, "unexpected \(Self.describe(base[pos])) after the JSON value") }
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
        if pos < count && base[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array([])
        }
        let first = values.count
        while true {
            let element = try parseValue(depth: depth)
            values.append(element)
            if try consumeSeparator(closing: UInt8(ascii: "]")) {
                return .array(Self.takeSuffix(of: &values, from: first, placeholder: .null))
            }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(pos, "nesting deeper than \(maxDepth)") }
        pos += 1
        skipWhitespace()
        if pos < count && base[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object([:])
        }
        let firstKey = keys.count
        let firstValue = values.count
        var seen: Set<String> = []
        while true {
            try parseKey(firstKey: firstKey, seen: &seen)
            let value = try parseValue(depth: depth)
            values.append(value)
            if try consumeSeparator(closing: UInt8(ascii: "}")) {
                let members = OrderedDictionary(
                    uncheckedUniqueKeys: Self.takeSuffix(of: &keys, from: firstKey, placeholder: ""),
                    values: Self.takeSuffix(of: &values, from: firstValue, placeholder: .null))
                return .object(members)
            }
        }
    }

    /// Reads a member's key and the `:` after it, refuses a duplicate of the keys from
    /// `firstKey` on, and pushes the key onto `keys`. Leaves `pos` at the value.
    @inline(__always)
    mutating func parseKey(firstKey: Int, seen: inout Set<String>) throws(JSONParseError) {
        guard pos < count, base[pos] == UInt8(ascii: "\"") else { throw unexpected(expecting: "a string key") }
        let keyOffset = pos
        let key = try parseString()
        try checkUnique(key, at: keyOffset, firstKey: firstKey, seen: &seen)
        keys.append(key)
        try expectColon()
    }

    /// Whitespace, the `:` between a key and its value, whitespace.
    @inline(__always)
    mutating func expectColon() throws(JSONParseError) {
        skipWhitespace()
        guard pos < count, base[pos] == UInt8(ascii: ":") else { throw unexpected(expecting: "':'") }
        pos += 1
        skipWhitespace()
    }

    /// After an element or member: consumes a `,` (refusing a trailing comma) and returns false,
    /// or consumes `closing` and returns true.
    @inline(__always)
    mutating func consumeSeparator(closing: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard pos < count else { throw fail(pos, "unexpected end of input") }
        switch base[pos] {
        case UInt8(ascii: ","):
            pos += 1
            skipWhitespace()
            if pos < count && base[pos] == closing { throw fail(pos, "trailing comma") }
            return false
        case closing:
            pos += 1
            return true
        default:
            throw unexpected(expecting: closing == UInt8(ascii: "}") ? "',' or '}'" : "',' or ']'")
        }
    }

    /// Moves `stack[first...]` into a new exactly-sized array and truncates `stack`, without
    /// the retain/release pair per element that copying and then removing would cost.
    @inline(__always)
    static func takeSuffix<Element>(of stack: inout [Element], from first: Int, placeholder: Element) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(stack.count - first)
        for index in first..<stack.count {
            var element = placeholder
            swap(&element, &stack[index])
            result.append(element)
        }
        stack.removeSubrange(first...)
        return result
    }

    /// Throws if `key` is already a key of the object whose keys start at `firstKey`.
    ///
    /// Uses `String` equality, which is canonical equivalence: keys that differ only in Unicode
    /// normalization cannot both live in one `OrderedDictionary`, so they are duplicates too.
    func checkUnique(
        _ key: String, at offset: Int, firstKey: Int, seen: inout Set<String>
    ) throws(JSONParseError) {
        let existing = keys.count - firstKey
        var duplicate = false
        if existing <= Self.linearKeyCheckLimit {
            for index in firstKey..<keys.count where keys[index] == key {
                duplicate = true
                break
            }
        } else {
            if seen.isEmpty { seen = Set(keys[firstKey...]) }
            duplicate = !seen.insert(key).inserted
        }
        if duplicate {
            // Keep the message bounded however long the key is.
            let shown = key.utf8.count > 64 ? String(key.prefix(64)) + "…" : key
            var quoted: [UInt8] = []
            JSONText.appendEscapedString(shown, to: &quoted)
            throw fail(offset, "duplicate key \(String(decoding: quoted, as: UTF8.self))")
        }
    }
}
