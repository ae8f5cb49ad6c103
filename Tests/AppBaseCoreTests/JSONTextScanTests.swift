import AppBaseCore
import Testing

/// `JSONText.needsEscaping` reads eight bytes at a time; it must answer exactly as the byte test.
@Suite struct JSONTextScanTests {
    static func reference(_ bytes: [UInt8]) -> Bool { bytes.contains { JSONText.needsEscaping(byte: $0) } }

    static func scan(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { JSONText.needsEscaping($0) } }

    @Test("every byte value at every position of buffers of 0 to 19 bytes")
    func everyByteEverywhere() {
        for length in 0..<20 {
            #expect(Self.scan([UInt8](repeating: UInt8(ascii: "a"), count: length)) == false)
            for position in 0..<length {
                for value in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = value
                    #expect(Self.scan(bytes) == Self.reference(bytes), "byte \(value) at \(position) of \(length)")
                }
            }
        }
    }

    @Test("neighbours that could borrow into each other: 0x20 beside 0x1F, 0x21 and 0x23 beside quotes")
    func neighbours() {
        let cases: [[UInt8]] = [
            [0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20], [0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x20, 0x7E, 0x30],
            [0x20, 0x1F, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20], [0x23, 0x22, 0x21, 0x41, 0x41, 0x41, 0x41, 0x41],
            [0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x5C], [0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x80],
        ]
        for bytes in cases { #expect(Self.scan(bytes) == Self.reference(bytes), "\(bytes)") }
    }

    @Test("random buffers agree with the byte test")
    func random() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<64, using: &generator)
            // Mostly printable ASCII, so that buffers without an escape are common.
            let bytes = (0..<length).map { _ in
                Int.random(in: 0..<40, using: &generator) == 0 ? UInt8.random(in: 0...255, using: &generator)
                    : UInt8.random(in: 0x20...0x7E, using: &generator)
            }
            #expect(Self.scan(bytes) == Self.reference(bytes), "\(bytes)")
        }
    }
}
