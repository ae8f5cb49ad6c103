/// Writes one flat JSON object with a fixed member order, the counterpart of `FlatJSONObjectParser`.
///
/// Names are `StaticString`s chosen by the caller (plain ASCII, never escaped). String values are
/// escaped as RFC 8259 requires — `"` and `\` and the control characters — and otherwise copied as
/// UTF-8; integers are written in decimal. No whitespace is emitted.
struct FlatJSONObjectWriter {
    /// The object written so far; complete after `finish()`.
    private(set) var bytes: [UInt8]
    /// False once a member has been written (the next one needs a comma).
    private var isFirstMember = true

    /// Starts an object, reserving `capacity` bytes.
    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// Appends `"name":"value"`.
    mutating func member(_ name: StaticString, _ value: String) {
        appendName(name)
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x0A: appendShortEscape(UInt8(ascii: "n"))
            case 0x0D: appendShortEscape(UInt8(ascii: "r"))
            case 0x09: appendShortEscape(UInt8(ascii: "t"))
            case 0x08: appendShortEscape(UInt8(ascii: "b"))
            case 0x0C: appendShortEscape(UInt8(ascii: "f"))
            case 0x00..<0x20:
                let hex: StaticString = "0123456789abcdef"
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hex.utf8Start[Int(byte >> 4)])
                bytes.append(hex.utf8Start[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `"name":value` with `value` in decimal.
    mutating func member(_ name: StaticString, _ value: Int64) {
        appendName(name)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // Digits of the magnitude, least significant first, into a fixed scratch area (UInt64 has ≤ 20).
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &digits) { scratch -> Int in
            var count = 0
            repeat {
                scratch[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            return count
        }
        withUnsafeBytes(of: &digits) { scratch in
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(scratch[index]) }
        }
    }

    /// Closes the object and returns its bytes.
    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The separating comma if needed, then `"name":`.
    private mutating func appendName(_ name: StaticString) {
        if !isFirstMember { bytes.append(UInt8(ascii: ",")) }
        isFirstMember = false
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A two-character escape such as `\n`.
    private mutating func appendShortEscape(_ letter: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(letter)
    }
}
