import AppBaseTestSupport
import OrderedCollections
import Testing

@testable import AppBaseCore

private func escaped(_ s: String) -> String {
    var buffer: [UInt8] = []
    JSONText.appendEscapedString(s, to: &buffer)
    return String(decoding: buffer, as: UTF8.self)
}

@Suite("JSONSerializer")
struct JSONSerializerTests {
    @Test func scalars() {
        #expect(JSONValue.null.jsonText == "null")
        #expect(JSONValue.bool(true).jsonText == "true")
        #expect(JSONValue.bool(false).jsonText == "false")
        #expect(JSONValue.int(0).jsonText == "0")
        #expect(JSONValue.int(-5).jsonText == "-5")
        #expect(JSONValue.int(1_234_567_890).jsonText == "1234567890")
        #expect(JSONValue.int(.max).jsonText == "9223372036854775807")
        #expect(JSONValue.int(.min).jsonText == "-9223372036854775808")
    }

    @Test(arguments: [
        (1.0, "1.0"), (-1.0, "-1.0"), (0.0, "0.0"), (-0.0, "-0.0"), (0.1, "0.1"), (2.5, "2.5"),
        (100.0, "100.0"), (1e16, "1e+16"), (1.5e-7, "1.5e-07"), (0.1 + 0.2, "0.30000000000000004"),
        (Double.leastNonzeroMagnitude, "5e-324"), (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
    ] as [(Double, String)])
    func doubles(value: Double, text: String) {
        #expect(JSONValue.double(value).jsonText == text)
    }

    @Test func integralDoublesStayReal() throws {
        for value in [1.0, -3.0, 1e15, 9_007_199_254_740_992.0, 1e22, 1e300] {
            let text = JSONValue.double(value).jsonText
            #expect(text.contains(".") || text.contains("e"), "\(text)")
            #expect(try JSONParser.parse(text) == .double(value))
        }
    }

    @Test func compactNestedOutput() {
        let value: JSONValue = ["a": [1, 2.5, nil, true], "b": ["c": "d"], "e": [], "f": [:]]
        #expect(value.jsonText == #"{"a":[1,2.5,null,true],"b":{"c":"d"},"e":[],"f":{}}"#)
    }

    @Test func keysInStoredOrder() {
        var members = OrderedDictionary<String, JSONValue>()
        members["zeta"] = 1
        members["alpha"] = 2
        members["mid"] = 3
        #expect(JSONValue.object(members).jsonText == #"{"zeta":1,"alpha":2,"mid":3}"#)
    }

    @Test func keysAreEscaped() {
        let value: JSONValue = ["a\"b": 1, "line\nbreak": 2]
        #expect(value.jsonText == #"{"a\"b":1,"line\nbreak":2}"#)
    }

    @Test func controlCharactersEscaped() {
        #expect(escaped("\u{8}\u{9}\u{A}\u{C}\u{D}") == #""\b\t\n\f\r""#)
        #expect(escaped("\u{0}\u{1}\u{B}\u{E}\u{1F}") == #""\u0000\u0001\u000b\u000e\u001f""#)
        #expect(escaped("a\"b\\c") == #""a\"b\\c""#)
        #expect(escaped("\u{20}\u{7F}") == "\"\u{20}\u{7F}\"")
    }

    @Test func allControlCharactersRoundTrip() throws {
        for scalar in 0..<0x20 {
            let string = String(Character(Unicode.Scalar(UInt8(scalar))))
            let text = escaped(string)
            #expect(!text.utf8.contains { $0 < 0x20 }, "\(scalar)")
            #expect(try JSONParser.parse(text) == .string(string))
        }
    }

    @Test func lineSeparatorsEscaped() {
        #expect(escaped("a\u{2028}b\u{2029}c") == #""a\u2028b\u2029c""#)
        #expect(escaped("\u{2028}") == #""\u2028""#)
        // Neighbours that share the E2 80 prefix, and other E2 sequences, pass through.
        #expect(escaped("\u{2027}\u{202A}€…") == "\"\u{2027}\u{202A}€…\"")
        #expect(escaped("x\u{2029}") == #""x\u2029""#)
    }

    /// The eight-bytes-at-a-time scanner must catch every escapable character at every position.
    @Test func escapesAtEveryPosition() throws {
        let specials: [(String, String)] = [
            ("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{1}", #"\u0001"#),
            ("\u{2028}", #"\u2028"#), ("\u{2029}", #"\u2029"#), ("€", "€"), ("\u{2027}", "\u{2027}"),
        ]
        for length in 0..<24 {
            for position in 0...length {
                let before = String(repeating: "a", count: position)
                let after = String(repeating: "b", count: length - position)
                for (raw, escapedForm) in specials {
                    let string = before + raw + after
                    #expect(escaped(string) == "\"" + before + escapedForm + after + "\"")
                    #expect(try JSONParser.parse(escaped(string)) == .string(string))
                }
            }
        }
        // A truncated-looking E2 near the end must not be misread.
        #expect(escaped("abcdefgh\u{E9}\u{2028}") == "\"abcdefgh\u{E9}\\u2028\"")
    }

    @Test func appendEscapedStringAppends() {
        var buffer = Array("x=".utf8)
        JSONText.appendEscapedString("a\"b", to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"x="a\"b""#)
    }

    @Test func largeOutputGrowsTheWriter() throws {
        let big = JSONValue.array((0..<5000).map { .string("item \($0) \u{2028} \"q\"") })
        let bytes = big.serialized()
        #expect(try JSONParser.parse(bytes) == big)
        #expect(big.jsonText.utf8.count == bytes.count)
    }

    @Test func slashAndNonASCIIPassThrough() {
        #expect(escaped("a/b") == #""a/b""#)
        #expect(escaped("héllo 日本 😀") == "\"héllo 日本 😀\"")
        #expect(escaped("") == #""""#)
    }

    @Test func serializeIntoAppends() {
        var buffer = Array("prefix:".utf8)
        JSONValue.array([1, "x"]).serialize(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:[1,"x"]"#)
        #expect(JSONValue.array([1, "x"]).serialized() == Array(#"[1,"x"]"#.utf8))
    }

    @Test(arguments: [
        "null", "true", "false", "0", "-1", "9223372036854775807", "-9223372036854775808",
        "1.0", "-0.0", "0.1", "1e+100", "5e-324", #""""#, #""a\"b\\c\n\u0000\u001f\u2028""#,
        "[]", "{}", #"[1,2.5,"x",null,true,false,[],{}]"#, #"{"z":1,"a":{"b":[{"c":null}]},"é😀":"ü"}"#,
    ])
    func canonicalTextIsAFixedPoint(text: String) throws {
        #expect(try JSONParser.parse(text).jsonText == text)
    }

    @Test func roundTripHandPicked() throws {
        let values: [JSONValue] = [
            nil, true, false, 0, 1, -1, .int(.max), .int(.min), 0.5, -0.0, 1e308, 1e-308,
            .double(Double(Int64.max)), 123_456.789, "", "plain", "quote\" backslash\\ slash/",
            "\u{0}\u{1F}\u{7F}\u{2028}\u{2029}", "emoji 😀 and 𝄞 and \u{10FFFF}",
            [], [:], [[[[]]]], ["a": ["b": ["c": [1, 2, [3]]]]], [nil, [nil], ["k": nil]],
        ]
        for value in values {
            #expect(try JSONParser.parse(value.serialized()) == value, "\(value)")
        }
    }

    @Test func roundTripRandom() throws {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let value = randomValue(depth: 0, using: &rng)
            let bytes = value.serialized()
            let parsed = try JSONParser.parse(bytes)
            #expect(parsed == value, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(parsed.serialized() == bytes)
        }
    }

    private func randomValue(depth: Int, using rng: inout SeededGenerator) -> JSONValue {
        let kind = depth >= 4 ? Int.random(in: 0..<5, using: &rng) : Int.random(in: 0..<7, using: &rng)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            let bits = rng.next()
            return .int(bits % 3 == 0 ? Int64(bitPattern: bits) : Int64.random(in: -1000...1000, using: &rng))
        case 3:
            var double = Double(bitPattern: rng.next())
            if !double.isFinite { double = 0.25 }
            return .double(Bool.random(using: &rng) ? double : Double(Int.random(in: -100...100, using: &rng)))
        case 4: return .string(randomString(using: &rng))
        case 5:
            return .array((0..<Int.random(in: 0..<5, using: &rng)).map { _ in randomValue(depth: depth + 1, using: &rng) })
        default:
            var members = OrderedDictionary<String, JSONValue>()
            for _ in 0..<Int.random(in: 0..<5, using: &rng) {
                members[randomString(using: &rng)] = randomValue(depth: depth + 1, using: &rng)
            }
            return .object(members)
        }
    }

    private func randomString(using rng: inout SeededGenerator) -> String {
        let pool: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{8}", "\n", "\u{1F}", "\u{7F}", "é", "€",
            "\u{2028}", "\u{2029}", "\u{FFFF}", "😀", "\u{10FFFF}",
        ]
        var string = ""
        for _ in 0..<Int.random(in: 0..<12, using: &rng) {
            string.unicodeScalars.append(pool[Int.random(in: 0..<pool.count, using: &rng)])
        }
        return string
    }

    @Test func nestingDepth() {
        #expect(JSONValue.int(1).nestingDepth == 0)
        #expect(JSONValue.array([]).nestingDepth == 1)
        #expect(JSONValue.object([:]).nestingDepth == 1)
        #expect(([1, [2, ["a": [3]]], []] as JSONValue).nestingDepth == 4)
    }
}
