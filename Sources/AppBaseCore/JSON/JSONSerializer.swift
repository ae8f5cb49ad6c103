/// Low-level helpers for writing JSON text into byte buffers.
public enum JSONText {
    /// Appends `s` as a JSON string literal, quotes included.
    ///
    /// Escapes `"`, `\` and control characters below U+0020 (`\b \t \n \f \r`, otherwise
    /// `\u00XX`), and U+2028/U+2029 as `\u2028`/`\u2029` so the output is also safe inside
    /// JavaScript. `/` and all other non-ASCII characters are written as raw UTF-8.
    public static func appendEscapedString(_ s: String, to buffer: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in appendEscaped(bytes, to: &buffer) }
    }

    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        buffer.reserveCapacity(buffer.count + bytes.count + 2)
        buffer.append(UInt8(ascii: "\""))
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0xE2 {
                index += 1
                continue
            }
            if byte == 0xE2 {
                // U+2028 is E2 80 A8 and U+2029 is E2 80 A9.
                guard index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 else {
                    index += 1
                    continue
                }
            }
            if runStart < index { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            switch byte {
            case UInt8(ascii: "\""): appendASCII("\\\"", to: &buffer)
            case UInt8(ascii: "\\"): appendASCII("\\\\", to: &buffer)
            case 0x08: appendASCII("\\b", to: &buffer)
            case 0x09: appendASCII("\\t", to: &buffer)
            case 0x0A: appendASCII("\\n", to: &buffer)
            case 0x0C: appendASCII("\\f", to: &buffer)
            case 0x0D: appendASCII("\\r", to: &buffer)
            case 0xE2:
                appendASCII(bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029", to: &buffer)
                index += 2
            default:
                appendASCII("\\u00", to: &buffer)
                buffer.append(hexDigit(byte >> 4))
                buffer.append(hexDigit(byte & 0x0F))
            }
            index += 1
            runStart = index
        }
        if runStart < count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
        buffer.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }

    @inline(__always)
    static func appendASCII(_ text: StaticString, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends the decimal digits of `value`.
    static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let first = buffer.count
        repeat {
            buffer.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude != 0
        buffer[first...].reverse()
    }

    /// Appends the shortest text that reads back as `value`; `null` for NaN and infinities.
    ///
    /// Integral values keep a fraction or exponent (`1.0`, `1e+16`) so they read back as reals.
    static func appendDouble(_ value: Double, to buffer: inout [UInt8]) {
        guard value.isFinite else {
            appendASCII("null", to: &buffer)
            return
        }
        // Swift's description is the shortest round-tripping form and always has '.' or 'e'
        // for finite values ("1.0", "0.1", "1e+16", "5e-324"), all valid JSON numbers.
        var text = value.description
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }
}

extension JSONValue {
    /// Compact JSON text (no insignificant whitespace) as UTF-8 bytes.
    public func serialized() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        serialize(into: &buffer)
        return buffer
    }

    /// Appends compact JSON text to `buffer`; object keys are written in stored order.
    ///
    /// Non-finite doubles (which JSON cannot represent) are written as `null`.
    public func serialize(into buffer: inout [UInt8]) {
        switch self {
        case .null: JSONText.appendASCII("null", to: &buffer)
        case .bool(let value): JSONText.appendASCII(value ? "true" : "false", to: &buffer)
        case .int(let value): JSONText.appendInteger(value, to: &buffer)
        case .double(let value): JSONText.appendDouble(value, to: &buffer)
        case .string(let value): JSONText.appendEscapedString(value, to: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                element.serialize(into: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let members):
            buffer.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in members {
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                JSONText.appendEscapedString(key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                value.serialize(into: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Compact JSON text as a `String`.
    public var jsonText: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
