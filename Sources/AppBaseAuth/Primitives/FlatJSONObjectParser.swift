/// A strict, allocation-light parser for one flat JSON object whose member values are strings or
/// integers — exactly the shape of our JWT header and claims.
///
/// Accepted: `{`, members `"name": value` separated by commas, `}`, with JSON whitespace between
/// tokens. Rejected (the whole object fails): any other value type (object, array, `true`/`false`,
/// `null`, fractions, exponents), integers outside `Int64` or with leading zeros, member names that
/// are not plain printable ASCII without escapes, duplicate names, control characters or invalid
/// escapes or invalid UTF-8 in strings, lone surrogates, more than `maximumMembers` members, and any
/// byte after the closing brace. Names are compared byte for byte, which is exact because they
/// cannot contain escapes.
struct FlatJSONObjectParser {
    /// A member value.
    enum Value: Hashable {
        case string(String)
        case integer(Int64)
    }

    /// The most members one object may have (bounds the duplicate check, which is quadratic).
    static let maximumMembers = 32

    /// The bytes being parsed; borrowed for the duration of `parse`.
    private let input: UnsafeBufferPointer<UInt8>
    /// Index of the next unread byte.
    private var position = 0

    /// A parser positioned at the start of `input`.
    private init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    /// Parses `input` and calls `visit(name, value)` for each member in order. Returns false if the
    /// input is not an accepted object or if `visit` returns false (which stops parsing).
    static func parse(
        _ input: UnsafeBufferPointer<UInt8>,
        _ visit: (_ name: UnsafeBufferPointer<UInt8>, _ value: Value) -> Bool
    ) -> Bool {
        withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: maximumMembers) { seenNames in
            var parser = FlatJSONObjectParser(input)
            return parser.parseObject(seenNames: seenNames, visit)
        }
    }

    /// The whole input: one object, then only whitespace. `seenNames` holds the ranges of the names
    /// read so far (stack memory from `parse`), for the duplicate check.
    private mutating func parseObject(
        seenNames: UnsafeMutableBufferPointer<Range<Int>>,
        _ visit: (UnsafeBufferPointer<UInt8>, Value) -> Bool
    ) -> Bool {
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        var memberCount = 0
        if !consume(UInt8(ascii: "}")) {
            while true {
                guard memberCount < Self.maximumMembers, let nameRange = parseName() else { return false }
                let name = UnsafeBufferPointer(rebasing: input[nameRange])
                for index in 0..<memberCount where input[seenNames[index]].elementsEqual(name) {
                    return false  // duplicate member
                }
                seenNames[memberCount] = nameRange
                memberCount += 1
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
                guard let value = parseValue(), visit(name, value) else { return false }
                skipWhitespace()
                if consume(UInt8(ascii: ",")) {
                    skipWhitespace()
                    continue
                }
                guard consume(UInt8(ascii: "}")) else { return false }
                break
            }
        }
        skipWhitespace()
        return position == input.count
    }

    /// A quoted member name: printable ASCII other than `"` and `\`. Returns the range inside the quotes.
    private mutating func parseName() -> Range<Int>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < input.count {
            let byte = input[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return start..<(position - 1)
            }
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
            position += 1
        }
        return nil
    }

    /// A string or an integer; any other JSON value is refused.
    private mutating func parseValue() -> Value? {
        guard position < input.count else { return nil }
        switch input[position] {
        case UInt8(ascii: "\""):
            position += 1
            return parseStringBody().map(Value.string)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return parseInteger().map(Value.integer)
        default:
            return nil
        }
    }

    /// The rest of a string after its opening quote. The common case (no escapes) is copied straight
    /// from the input; pure ASCII, which all ids are, needs no UTF-8 validation (`String(validating:)` is
    /// unspecialised generic code costing more than the rest of the parse, so it is kept for non-ASCII).
    private mutating func parseStringBody() -> String? {
        let start = position
        var union: UInt8 = 0
        while position < input.count {
            let byte = input[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                let bytes = UnsafeBufferPointer(rebasing: input[start..<(position - 1)])
                return union < 0x80 ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                return parseEscapedString(from: start)
            }
            guard byte >= 0x20 else { return nil }
            union |= byte
            position += 1
        }
        return nil
    }

    /// Slow path for strings with escapes: builds the UTF-8 bytes, then validates them.
    private mutating func parseEscapedString(from start: Int) -> String? {
        var bytes = Array(input[start..<position])
        while position < input.count {
            let byte = input[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < input.count else { return nil }
                let escape = input[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escape)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = parseUnicodeEscape(), let encoded = UTF8.encode(scalar) else { return nil }
                    bytes.append(contentsOf: encoded)
                default: return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                bytes.append(byte)
            }
        }
        return nil
    }

    /// After `\u`: four hex digits, or a surrogate pair written as two escapes.
    private mutating func parseUnicodeEscape() -> Unicode.Scalar? {
        guard let first = parseHex4() else { return nil }
        switch first {
        case 0xD800...0xDBFF:
            guard position + 2 <= input.count, input[position] == UInt8(ascii: "\\"),
                  input[position + 1] == UInt8(ascii: "u") else { return nil }
            position += 2
            guard let second = parseHex4(), (0xDC00...0xDFFF).contains(second) else { return nil }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        case 0xDC00...0xDFFF:
            return nil  // lone low surrogate
        default:
            return Unicode.Scalar(first)
        }
    }

    /// Exactly four hex digits (either case) as a code unit.
    private mutating func parseHex4() -> UInt32? {
        guard position + 4 <= input.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = input[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// `-?(0|[1-9][0-9]*)` within Int64; a following `.`, `e`, `E` or digit rejects the value.
    private mutating func parseInteger() -> Int64? {
        let negative = consume(UInt8(ascii: "-"))
        guard position < input.count else { return nil }
        var value: Int64 = 0
        if input[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            var digits = 0
            while position < input.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(input[position]) {
                // Accumulate negatively so Int64.min is representable.
                let digit = Int64(input[position] - UInt8(ascii: "0"))
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = shifted.subtractingReportingOverflow(digit)
                guard !overflow1, !overflow2 else { return nil }
                value = next
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
        }
        if position < input.count {
            switch input[position] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return nil
            default:
                break
            }
        }
        if negative { return value }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }

    /// Skips JSON whitespace: space, tab, line feed, carriage return.
    @inline(__always)
    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
            default: return
            }
        }
    }

    /// Steps over `byte` if it is next; says whether it was.
    @inline(__always)
    private mutating func consume(_ byte: UInt8) -> Bool {
        guard position < input.count, input[position] == byte else { return false }
        position += 1
        return true
    }
}
