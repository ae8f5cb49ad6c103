@testable import AppBaseHTTP
import Testing

/// `HTTPConnection.withChunkFraming`: one chunk of a streamed body, `<hex size>CRLF<bytes>CRLF`,
/// at sizes around every change in the number of hex digits.
@Suite struct ChunkFramingTests {
    @Test(arguments: [1, 9, 15, 16, 17, 255, 256, 4_095, 4_096, 65_535, 65_536, 1_048_576])
    func framesTheBytesWithTheirLowercaseHexSize(_ size: Int) {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let framed = HTTPConnection.withChunkFraming(bytes) { Array($0) }
        let header = Array(String(size, radix: 16).utf8) + [13, 10]
        #expect(framed.count == header.count + size + 2)
        #expect(Array(framed.prefix(header.count)) == header)
        #expect(Array(framed[header.count..<header.count + size]) == bytes)
        #expect(Array(framed.suffix(2)) == [13, 10])
    }
}
