import AppBaseCore
import Testing
import OrderedCollections

@Suite("JSONParser.parseFlatObject")
struct JSONParserFlatObjectTests {
    typealias Value = JSONValue

    /// Parses `bytes` with `visit`; whether the parser accepted them.
    static func accepts(_ bytes: UnsafeBufferPointer<UInt8>, _ visit: (UnsafeBufferPointer<UInt8>, Value) -> Bool) -> Bool {
        do {
            try JSONParser.parseFlatObject(bytes, visit)
            return true
        } catch {
            return false
        }
    }

    /// Parses `json` into (name, value) pairs, or nil if the parser refuses it.
    static func members(_ json: String) -> [(String, Value)]? {
        var json = json
        var members: [(String, Value)] = []
        let ok = json.withUTF8 { bytes in
            accepts(bytes) { name, value in
                members.append((String(decoding: name, as: UTF8.self), value))
                return true
            }
        }
        return ok ? members : nil
    }

    @Test("parses strings and integers in order, with any JSON whitespace")
    func basic() throws {
        let members = try #require(Self.members(" {\t\"a\" : \"x\",\r\n\"b\":-12 , \"c\":0}\n"))
        #expect(members.map(\.0) == ["a", "b", "c"])
        #expect(members.map(\.1) == [.string("x"), .int(-12), .int(0)])
    }

    @Test("accepts the empty object")
    func empty() {
        #expect(Self.members("{}")?.isEmpty == true)
        #expect(Self.members(" { } ")?.isEmpty == true)
    }

    @Test("decodes every escape, including surrogate pairs")
    func escapes() throws {
        let members = try #require(Self.members(#"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00x"}"#))
        #expect(members.first?.1 == .string("\"\\/\u{8}\u{C}\n\r\té😀x"))
    }

    @Test("integers cover Int64 exactly")
    func integerRange() {
        #expect(Self.members(#"{"n":9223372036854775807}"#)?.first?.1 == .int(.max))
        #expect(Self.members(#"{"n":-9223372036854775808}"#)?.first?.1 == .int(.min))
        #expect(Self.members(#"{"n":9223372036854775808}"#) == nil)
        #expect(Self.members(#"{"n":-9223372036854775809}"#) == nil)
    }

    @Test("refuses what is outside the flat string/integer subset", arguments: [
        "", " ", "[]", "null", "\"s\"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\" \"b\"}", "{\"a\":1,}", "{,}",
        "{\"a\":1}{}", "{\"a\":1} x", "{\"a\":true}", "{\"a\":null}", "{\"a\":{}}", "{\"a\":[]}", "{\"a\":1.0}",
        "{\"a\":1e3}", "{\"a\":01}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":--1}", "{\"a\":\"x}", "{a:1}", "{'a':1}",
        "{\"a\":\"\u{1}\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud83d\"}", "{\"a\":\"\\ude00\"}",
        "{\"a\":\"\\ud83dx\"}", "{\"a\\u0062\":1}", "{\"é\":1}", "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":\"3\"}",
    ])
    func refuses(_ json: String) {
        #expect(Self.members(json) == nil)
    }

    @Test("refuses invalid UTF-8 in strings")
    func invalidUTF8() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let ok = bytes.withUnsafeBufferPointer { Self.accepts($0) { _, _ in true } }
        #expect(!ok)
    }

    @Test("refuses more than the member limit")
    func memberLimit() {
        let members = (0..<JSONParser.maximumFlatObjectMembers).map { "\"m\($0)\":\($0)" }
        #expect(Self.members("{" + members.joined(separator: ",") + "}")?.count == JSONParser.maximumFlatObjectMembers)
        #expect(Self.members("{" + (members + ["\"extra\":1"]).joined(separator: ",") + "}") == nil)
    }

    @Test("stops when the visitor says so")
    func visitorStops() {
        var json = #"{"a":1,"b":2}"#
        var visited = 0
        let ok = json.withUTF8 { bytes in
            Self.accepts(bytes) { _, _ in
                visited += 1
                return false
            }
        }
        #expect(!ok)
        #expect(visited == 1)
    }

    @Test("the serializer's output parses back to the same members")
    func writerRoundTrip() throws {
        let object: JSONValue = .object([
            "s": .string("q\"b\\n\n\u{1F}é"), "min": .int(.min), "max": .int(.max), "zero": .int(0),
        ])
        let text = String(decoding: object.serialized(), as: UTF8.self)
        #expect(text == #"{"s":"q\"b\\n\n\u001fé","min":-9223372036854775808,"max":9223372036854775807,"zero":0}"#)
        let members = try #require(Self.members(text))
        #expect(members.map(\.1) == [.string("q\"b\\n\n\u{1F}é"), .int(.min), .int(.max), .int(0)])
    }
}
