import AppBaseCore
/// One token of filter (or sort) text, with the offset of its first character.
struct FilterToken {
    enum Kind {
        /// A field path; keywords (`in`, `exists`, `true`, `false`, `null`) also lex as
        /// one-segment paths and are recognised by the parser from context.
        case path(FieldPath)
        case string(String)
        case number(FilterLiteral)
        case comparison(ComparisonOperator)
        case tilde, and, or, not, leftParen, rightParen, leftBracket, rightBracket, comma, minus, plus
        case end
    }

    var kind: Kind
    /// Offset in Unicode scalars.
    var position: Int

    /// The keyword this token spells, if it is a one-segment path.
    var word: String? {
        if case .path(let path) = kind, path.segments.count == 1 { return path.segments[0] }
        return nil
    }
}

/// Splits filter text into tokens. Works on Unicode scalars so positions are code-point offsets.
struct FilterLexer {
    let scalars: [Unicode.Scalar]
    private(set) var index = 0

    init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte &- 0x41 < 26) || (byte &- 0x61 < 26) || byte == 0x5F
    }

    static func isIdentifierContinue(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte &- 0x30 < 10)
    }

    private func byte(at offset: Int) -> UInt8? {
        guard offset < scalars.count, scalars[offset].value < 0x80 else { return nil }
        return UInt8(truncatingIfNeeded: scalars[offset].value)
    }

    private func peekIs(_ ascii: Unicode.Scalar, at offset: Int) -> Bool {
        offset < scalars.count && scalars[offset] == ascii
    }

    /// Describes a character for an error message: `'x' (U+0078)`, or just the code point when invisible.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.properties.generalCategory == .format
            || scalar.properties.generalCategory == .control {
            return code
        }
        return "'\(Character(scalar))' (\(code))"
    }

    mutating func next() throws(FilterError) -> FilterToken {
        while index < scalars.count, let byte = byte(at: index),
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            index += 1
        }
        let start = index
        guard index < scalars.count else { return FilterToken(kind: .end, position: start) }
        guard let byte = byte(at: index) else {
            throw FilterError(position: start, message: "Unexpected character \(Self.describe(scalars[index]))")
        }
        func single(_ kind: FilterToken.Kind, length: Int = 1) -> FilterToken {
            index += length
            return FilterToken(kind: kind, position: start)
        }
        switch byte {
        case UInt8(ascii: "("): return single(.leftParen)
        case UInt8(ascii: ")"): return single(.rightParen)
        case UInt8(ascii: "["): return single(.leftBracket)
        case UInt8(ascii: "]"): return single(.rightBracket)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: "~"): return single(.tilde)
        case UInt8(ascii: "+"): return single(.plus)
        case UInt8(ascii: "="): return single(.comparison(.equal))
        case UInt8(ascii: "!"):
            return peekIs("=", at: index + 1) ? single(.comparison(.notEqual), length: 2) : single(.not)
        case UInt8(ascii: ">"):
            return peekIs("=", at: index + 1)
                ? single(.comparison(.greaterOrEqual), length: 2) : single(.comparison(.greater))
        case UInt8(ascii: "<"):
            return peekIs("=", at: index + 1)
                ? single(.comparison(.lessOrEqual), length: 2) : single(.comparison(.less))
        case UInt8(ascii: "&"):
            guard peekIs("&", at: index + 1) else { throw FilterError(position: start, message: "Expected '&&'") }
            return single(.and, length: 2)
        case UInt8(ascii: "|"):
            guard peekIs("|", at: index + 1) else { throw FilterError(position: start, message: "Expected '||'") }
            return single(.or, length: 2)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return FilterToken(kind: .string(try lexString()), position: start)
        case UInt8(ascii: "-"):
            if let next = self.byte(at: index + 1), next &- 0x30 < 10 {
                return FilterToken(kind: .number(try lexNumber()), position: start)
            }
            return single(.minus)
        default:
            if byte &- 0x30 < 10 { return FilterToken(kind: .number(try lexNumber()), position: start) }
            if Self.isIdentifierStart(byte) { return FilterToken(kind: .path(try lexPath()), position: start) }
            throw FilterError(position: start, message: "Unexpected character \(Self.describe(scalars[index]))")
        }
    }

    private mutating func lexIdentifier() throws(FilterError) -> String {
        guard let first = byte(at: index), Self.isIdentifierStart(first) else {
            let what = index < scalars.count ? Self.describe(scalars[index]) : "end of text"
            throw FilterError(position: index, message: "Expected a field name, found \(what)")
        }
        var text = String(Character(scalars[index]))
        index += 1
        while let byte = byte(at: index), Self.isIdentifierContinue(byte) {
            text.unicodeScalars.append(scalars[index])
            index += 1
        }
        if index < scalars.count, scalars[index].value >= 0x80 {
            throw FilterError(position: index, message: "Unexpected character \(Self.describe(scalars[index])) in field name")
        }
        return text
    }

    private mutating func lexPath() throws(FilterError) -> FieldPath {
        var segments = [try lexIdentifier()]
        while peekIs(".", at: index) {
            let dot = index
            if SystemField(rawValue: segments[0]) != nil {
                throw FilterError(position: dot, message: "System field '\(segments[0])' has no members")
            }
            index += 1
            segments.append(try lexIdentifier())
        }
        return FieldPath(validated: segments, systemField: SystemField(rawValue: segments[0]))
    }

    private mutating func lexString() throws(FilterError) -> String {
        let quote = scalars[index]
        let start = index
        index += 1
        var result = String.UnicodeScalarView()
        while true {
            guard index < scalars.count else {
                throw FilterError(position: start, message: "Unterminated string")
            }
            let scalar = scalars[index]
            if scalar == quote {
                index += 1
                return String(result)
            }
            if scalar.value < 0x20 {
                throw FilterError(
                    position: index, message: "Control character \(Self.describe(scalar)) in string; write it as an escape")
            }
            if scalar != "\\" {
                result.append(scalar)
                index += 1
                continue
            }
            let escapeStart = index
            index += 1
            guard index < scalars.count else { throw FilterError(position: start, message: "Unterminated string") }
            switch scalars[index] {
            case "\"": result.append("\"")
            case "'": result.append("'")
            case "\\": result.append("\\")
            case "/": result.append("/")
            case "b": result.append("\u{08}")
            case "f": result.append("\u{0C}")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "t": result.append("\t")
            case "u":
                result.append(try lexUnicodeEscape(escapeStart: escapeStart))
                continue
            default:
                throw FilterError(position: escapeStart, message: "Invalid escape \(Self.describe(scalars[index]))")
            }
            index += 1
        }
    }

    /// Reads the `XXXX` of `\uXXXX` (index is at `u`), combining a surrogate pair; leaves index after it.
    private mutating func lexUnicodeEscape(escapeStart: Int) throws(FilterError) -> Unicode.Scalar {
        let high = try hex4(at: index + 1, escapeStart: escapeStart)
        index += 5
        if high & 0xFC00 == 0xDC00 {
            throw FilterError(position: escapeStart, message: "Unpaired surrogate in \\u escape")
        }
        if high & 0xFC00 == 0xD800 {
            guard peekIs("\\", at: index), peekIs("u", at: index + 1) else {
                throw FilterError(position: escapeStart, message: "Unpaired surrogate in \\u escape")
            }
            let low = try hex4(at: index + 2, escapeStart: index)
            guard low & 0xFC00 == 0xDC00 else {
                throw FilterError(position: escapeStart, message: "Unpaired surrogate in \\u escape")
            }
            index += 6
            let value = 0x10000 + ((high & 0x3FF) << 10) + (low & 0x3FF)
            guard let scalar = Unicode.Scalar(value) else {
                throw FilterError(position: escapeStart, message: "Invalid \\u escape")
            }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else {
            throw FilterError(position: escapeStart, message: "Invalid \\u escape")
        }
        return scalar
    }

    private func hex4(at offset: Int, escapeStart: Int) throws(FilterError) -> UInt32 {
        var value: UInt32 = 0
        for position in offset..<(offset + 4) {
            guard let byte = byte(at: position), let digit = ASCII.hexValue(byte) else {
                throw FilterError(position: escapeStart, message: "Expected four hex digits after \\u")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, as in JSON.
    private mutating func lexNumber() throws(FilterError) -> FilterLiteral {
        let start = index
        var text = ""
        func isDigit(_ offset: Int) -> Bool { byte(at: offset).map { $0 &- 0x30 < 10 } ?? false }
        if peekIs("-", at: index) {
            text.append("-")
            index += 1
        }
        if peekIs("0", at: index) && isDigit(index + 1) {
            throw FilterError(position: start, message: "Numbers may not have leading zeros")
        }
        while isDigit(index) {
            text.unicodeScalars.append(scalars[index])
            index += 1
        }
        var isInteger = true
        if peekIs(".", at: index) {
            guard isDigit(index + 1) else {
                throw FilterError(position: index, message: "Expected a digit after '.'")
            }
            isInteger = false
            text.append(".")
            index += 1
            while isDigit(index) {
                text.unicodeScalars.append(scalars[index])
                index += 1
            }
        }
        if peekIs("e", at: index) || peekIs("E", at: index) {
            isInteger = false
            text.append("e")
            index += 1
            if peekIs("+", at: index) || peekIs("-", at: index) {
                text.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard isDigit(index) else {
                throw FilterError(position: index, message: "Expected a digit in the exponent")
            }
            while isDigit(index) {
                text.unicodeScalars.append(scalars[index])
                index += 1
            }
        }
        if let next = byte(at: index), Self.isIdentifierContinue(next) || next == UInt8(ascii: ".") {
            throw FilterError(position: index, message: "Unexpected character \(Self.describe(scalars[index])) after number")
        }
        if isInteger {
            guard let value = Int64(text) else {
                throw FilterError(position: start, message: "Integer out of range")
            }
            return .int(value)
        }
        guard let value = Double(text), value.isFinite else {
            throw FilterError(position: start, message: "Number out of range")
        }
        return .double(value)
    }
}
