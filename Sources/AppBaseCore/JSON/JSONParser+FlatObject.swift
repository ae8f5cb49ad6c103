/// Strict mode for small flat objects: JWT headers and claims.
extension JSONParser {
    /// The most members `parseFlatObject` accepts (it bounds the duplicate check, which is quadratic).
    public static let maximumFlatObjectMembers = 32

    /// Parses one object whose keys are printable ASCII without escapes and whose member values
    /// are all strings or integers that fit `Int64` — the shape of a token header or claim set —
    /// and calls `visit(key, value)` for each member in document order, without building a
    /// `JSONValue` tree.
    ///
    /// Everything `parse` refuses is refused here too (duplicate keys, invalid escapes or UTF-8 in
    /// values, lone surrogates, bytes after the object), and also: any other top-level value,
    /// escaped or non-ASCII keys, nested containers, `true`/`false`/`null`, reals (`1.0`, `1e3`,
    /// an integer beyond `Int64`), more than `maximumFlatObjectMembers` members, and any member for
    /// which `visit` returns false (which stops the parse). Because keys cannot contain escapes they
    /// are compared byte for byte, exactly. Tokens are read on every authenticated request, so keys
    /// are handed over as bytes of the input and only the string values allocate.
    /// - Parameter visit: receives each key's bytes (valid only during the call) and its value,
    ///   `.string` or `.int`.
    public static func parseFlatObject(
        _ bytes: UnsafeBufferPointer<UInt8>, _ visit: (_ key: UnsafeBufferPointer<UInt8>, _ value: JSONValue) -> Bool
    ) throws(JSONParseError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError(offset: 0, message: "unexpected end of input")
        }
        var parser = JSONByteParser(base: base, count: bytes.count, maxDepth: 1)
        try withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: maximumFlatObjectMembers) {
            (seenKeys) throws(JSONParseError) in
            try parser.parseFlatObject(seenKeys: seenKeys, visit)
        }
        try parser.expectEnd()
    }
}

extension JSONByteParser {
    /// The object of `JSONParser.parseFlatObject`, sharing string, number, whitespace and separator
    /// scanning with `parseObject`. `seenKeys` (stack memory) holds the ranges of the keys read so far.
    mutating func parseFlatObject(
        seenKeys: UnsafeMutableBufferPointer<Range<Int>>, _ visit: (UnsafeBufferPointer<UInt8>, JSONValue) -> Bool
    ) throws(JSONParseError) {
        skipWhitespace()
        guard pos < count, base[pos] == UInt8(ascii: "{") else { throw unexpected(expecting: "an object") }
        pos += 1
        skipWhitespace()
        if pos < count && base[pos] == UInt8(ascii: "}") {
            pos += 1
            return
        }
        var memberCount = 0
        while true {
            guard memberCount < seenKeys.count else { throw fail(pos, "more than \(seenKeys.count) members") }
            let keyRange = try parsePlainKey()
            let key = UnsafeBufferPointer(start: base + keyRange.lowerBound, count: keyRange.count)
            for index in 0..<memberCount
            where UnsafeBufferPointer(start: base + seenKeys[index].lowerBound, count: seenKeys[index].count).elementsEqual(key) {
                throw fail(keyRange.lowerBound - 1, "duplicate key")
            }
            seenKeys[memberCount] = keyRange
            memberCount += 1
            try expectColon()
            let valueOffset = pos
            let value: JSONValue
            switch pos < count ? base[pos] : 0 {
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
                guard case .int = value else { throw fail(valueOffset, "expected an integer") }
            default:
                throw unexpected(expecting: "a string or an integer")
            }
            guard visit(key, value) else { throw fail(valueOffset, "member refused") }
            if try consumeSeparator(closing: UInt8(ascii: "}")) { return }
        }
    }

    /// A key of printable ASCII other than `"` and `\`; returns its range inside the quotes.
    mutating func parsePlainKey() throws(JSONParseError) -> Range<Int> {
        guard pos < count, base[pos] == UInt8(ascii: "\"") else { throw unexpected(expecting: "a string key") }
        let quote = pos
        pos += 1
        while pos < count {
            let byte = base[pos]
            if byte == UInt8(ascii: "\"") {
                pos += 1
                return (quote + 1)..<(pos - 1)
            }
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else {
                throw fail(pos, "keys must be printable ASCII without escapes")
            }
            pos += 1
        }
        throw fail(quote, "unterminated string")
    }
}
