import AppBaseCore
import Testing
@testable import AppBaseAuth

@Suite("Base64URL")
struct Base64URLTests {
    /// RFC 4648 §10 vectors, without the padding §5 base64url drops.
    static let rfc4648Vectors: [(plain: String, encoded: String)] = [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"),
        ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ]

    @Test("encodes the RFC 4648 vectors", arguments: rfc4648Vectors)
    func encodesVectors(plain: String, encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
    }

    @Test("decodes the RFC 4648 vectors", arguments: rfc4648Vectors)
    func decodesVectors(plain: String, encoded: String) {
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test("uses - and _ where standard base64 uses + and /")
    func urlAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xEF, 0xBE]) == "----")
        #expect(Base64URL.encode([0xFF, 0xFF, 0xFF]) == "____")
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
    }

    @Test("round-trips every length from 0 to 100")
    func roundTrips() {
        for length in 0...100 {
            let bytes = SecureRandom.bytes(count: length)
            let encoded = Base64URL.encode(bytes)
            #expect(encoded.utf8.count == Base64URL.encodedCount(forByteCount: length))
            #expect(!encoded.contains("="))
            #expect(Base64URL.decode(encoded) == bytes)
        }
    }

    @Test("round-trips all 256 byte values")
    func allByteValues() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
    }

    @Test("rejects padding", arguments: ["Zg==", "Zm8=", "Zg=", "Zm9v====", "="])
    func rejectsPadding(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("rejects characters outside the alphabet", arguments: ["Zm+v", "Zm/v", "Zm9v ", " Zm9v", "Zm\n9v", "Zm9.", "Zm9é", "Zm\u{0}v"])
    func rejectsInvalidCharacters(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("rejects a single dangling character", arguments: ["Z", "Zm9vY", "Zm9vYmFyZ"])
    func rejectsImpossibleLength(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("rejects non-zero trailing bits (non-canonical spellings)", arguments: ["Zh", "Zv", "Zm9", "Zm-", "Zm9vYh", "Zm9vYmF"])
    func rejectsNonCanonical(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("decodedCount matches encodedCount and refuses impossible lengths")
    func lengths() {
        for length in 0...64 {
            #expect(Base64URL.decodedCount(forEncodedCount: Base64URL.encodedCount(forByteCount: length)) == length)
        }
        #expect(Base64URL.decodedCount(forEncodedCount: 5) == nil)
        #expect(Base64URL.decodedCount(forEncodedCount: -1) == nil)
        #expect(Base64URL.encodedCount(forByteCount: 32) == 43)
    }

    @Test("buffer decoding refuses an output buffer that is too small")
    func smallOutputBuffer() {
        let input = Array("Zm9vYmFy".utf8)
        var output = [UInt8](repeating: 0, count: 5)
        let written = input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { Base64URL.decode(inBuffer, into: $0) }
        }
        #expect(written == nil)
    }

    @Test("decodes from a substring and from non-contiguous bytes")
    func otherInputs() {
        let token = "xx.Zm9vYmFy.yy"
        let middle = token.split(separator: ".")[1]
        #expect(Base64URL.decode(middle) == Array("foobar".utf8))
        #expect(Base64URL.decode(bytes: "Zm9vYmFy".utf8.reversed().reversed()) == Array("foobar".utf8))
    }
}
