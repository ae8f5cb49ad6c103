import OrderedCollections
/// Low-level helpers for writing JSON text into byte buffers.
public enum JSONText {
    /// Appends `s` as a JSON string literal, quotes included.
    ///
    /// Escapes `"`, `\` and control characters below U+0020 (`\b \t \n \f \r`, otherwise
    /// `\u00XX`), and U+2028/U+2029 as `\u2028`/`\u2029` so the output is also safe inside
    /// JavaScript. `/` and all other non-ASCII characters are written as raw UTF-8.
    public static func appendEscapedString(_ s: String, to buffer: inout [UInt8]) {
        var writer = JSONWriter(capacity: s.utf8.count + 16)
        writer.writeEscaped(s)
        writer.append(to: &buffer)
    }
}

extension JSONValue {
    /// Compact JSON text (no insignificant whitespace) as UTF-8 bytes.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.write(self)
        var buffer: [UInt8] = []
        writer.append(to: &buffer)
        return buffer
    }

    /// Appends compact JSON text to `buffer`; object keys are written in stored order.
    ///
    /// Non-finite doubles (which JSON cannot represent) are written as `null`.
    public func serialize(into buffer: inout [UInt8]) {
        var writer = JSONWriter(capacity: 256)
        writer.write(self)
        writer.append(to: &buffer)
    }

    /// Compact JSON text as a `String`.
    public var jsonText: String {
        var writer = JSONWriter(capacity: 256)
        writer.write(self)
        return writer.makeString()
    }
}

/// A growable output buffer written through a pointer, so that emitting a byte costs a
/// capacity check and a store rather than a full `Array.append`.
struct JSONWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// Appends everything written so far to `buffer`.
    func append(to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: start, count: count))
    }

    /// Everything written so far, as a string (the writer only ever holds valid UTF-8).
    func makeString() -> String {
        String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if capacity - count < extra { grow(extra) }
    }

    @inline(never)
    mutating func grow(_ extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        let newStart = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStart.initialize(from: start, count: count)
        start.deallocate()
        start = newStart
        capacity = newCapacity
    }

    @inline(__always)
    mutating func write(byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        reserve(bytes.count)
        (start + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func write(ascii text: StaticString) {
        write(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: write(ascii: "null")
        case .bool(let flag): write(ascii: flag ? "true" : "false")
        case .int(let integer): write(integer: integer)
        case .double(let double): write(double: double)
        case .number(let number):
            var text = number.text
            text.withUTF8 { write($0) }
        case .string(let string): writeEscaped(string)
        case .array(let elements):
            write(byte: UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { write(byte: UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            write(byte: UInt8(ascii: "]"))
        case .object(let members):
            write(byte: UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { write(byte: UInt8(ascii: ",")) }
                first = false
                writeEscaped(key)
                write(byte: UInt8(ascii: ":"))
                write(member)
            }
            write(byte: UInt8(ascii: "}"))
        }
    }

    /// Writes the decimal digits of `value`.
    mutating func write(integer value: Int64) {
        reserve(20)
        if value < 0 {
            start[count] = UInt8(ascii: "-")
            count += 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && magnitude >= scale {
            digits += 1
            scale = scale &* 10
        }
        var index = count + digits
        count = index
        repeat {
            index -= 1
            start[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude != 0
    }

    /// Writes the shortest text that reads back as `value`; `null` for NaN and infinities.
    ///
    /// Swift's `description` is the shortest round-tripping form and, for finite values,
    /// always has a `.` or an exponent (`1.0`, `0.1`, `1e+16`, `5e-324`), so integral reals
    /// read back as reals and every output is a valid JSON number.
    mutating func write(double value: Double) {
        guard value.isFinite else {
            write(ascii: "null")
            return
        }
        var text = value.description
        text.withUTF8 { write($0) }
    }

    mutating func writeEscaped(_ string: String) {
        var string = string
        string.withUTF8 { writeEscaped(utf8: $0) }
    }

    mutating func writeEscaped(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        write(byte: UInt8(ascii: "\""))
        let count = bytes.count
        var runStart = 0
        var index = Self.nextCandidate(in: bytes, from: 0)
        while index < count {
            let byte = bytes[index]
            if byte == 0xE2 {
                // U+2028 is E2 80 A8 and U+2029 is E2 80 A9; other E2 sequences pass through.
                guard index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 else {
                    index = Self.nextCandidate(in: bytes, from: index + 1)
                    continue
                }
            }
            write(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            switch byte {
            case UInt8(ascii: "\""): write(ascii: "\\\"")
            case UInt8(ascii: "\\"): write(ascii: "\\\\")
            case 0x08: write(ascii: "\\b")
            case 0x09: write(ascii: "\\t")
            case 0x0A: write(ascii: "\\n")
            case 0x0C: write(ascii: "\\f")
            case 0x0D: write(ascii: "\\r")
            case 0xE2:
                write(ascii: bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                index += 2
            default:
                write(ascii: "\\u00")
                write(byte: ASCII.hexDigit(byte >> 4))
                write(byte: ASCII.hexDigit(byte & 0x0F))
            }
            index += 1
            runStart = index
            index = Self.nextCandidate(in: bytes, from: index)
        }
        write(UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        write(byte: UInt8(ascii: "\""))
    }

    /// The index of the first byte at or after `start` that may need escaping (`"`, `\`,
    /// a control character, or 0xE2, which starts U+2028/U+2029), or `bytes.count`.
    @inline(__always)
    static func nextCandidate(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        let count = bytes.count
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            while count - index >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let lead = word ^ (ones &* 0xE2)
                // High bit marks a candidate byte; the lowest mark is exact (borrows only go up).
                let marks = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash
                    | (lead &- ones) & ~lead | (word &- ones &* 0x20) & ~word) & (ones &* 0x80)
                if marks != 0 { return index + marks.trailingZeroBitCount >> 3 }
                index += 8
            }
        }
        while index < count {
            let byte = bytes[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0xE2 { return index }
            index += 1
        }
        return count
    }
}
