import AppBaseCore
import Testing

@Suite("JSON numbers kept as written")
struct JSONNumberTextTests {
    static func keep(_ text: String) throws -> JSONValue { try JSONParser.parse(text, keepingNumberText: true) }

    @Test(arguments: [
        "123456789012345678901234567890", "-0", "1E+2", "0.1", "1e-7", "9007199254740993.0", "-0.0", "1.50",
        "-123456789012345678901234567890.000001", "2.5E-3", "1e308",
    ])
    func serializesTheSourceText(text: String) throws {
        let value = try Self.keep(text)
        #expect(value == .number(try #require(JSONNumber(text))))
        #expect(String(decoding: value.serialized(), as: UTF8.self) == text)
        #expect(String(decoding: try Self.keep("[\(text), {\"a\": \(text)}]").serialized(), as: UTF8.self)
            == "[\(text),{\"a\":\(text)}]")
    }

    @Test func integersThatFitStayIntegers() throws {
        #expect(try Self.keep("42") == .int(42))
        #expect(try Self.keep("-9223372036854775808") == .int(.min))
        #expect(try Self.keep("9223372036854775808") == .number(try #require(JSONNumber("9223372036854775808"))))
    }

    @Test func withoutTheOptionNumbersAreValuesAsBefore() throws {
        #expect(try JSONParser.parse("1E+2") == .double(100))
        #expect(try JSONParser.parse("-0") == .int(0))
    }

    @Test func outOfRangeIsStillRefused() {
        #expect(throws: JSONParseError.self) { try Self.keep("1e400") }
        #expect(JSONNumber("1e400") == nil)
        #expect(JSONNumber("01") == nil)
        #expect(JSONNumber("+1") == nil)
        #expect(JSONNumber(" 1") == nil)
        #expect(JSONNumber("[1]") == nil)
    }

    @Test func numericReadings() throws {
        let big = try #require(JSONNumber("123456789012345678901234567890"))
        #expect(big.doubleValue == 1.2345678901234568e+29)
        #expect(big.integerValue == nil)
        #expect(JSONValue.number(try #require(JSONNumber("1E+2"))).intValue == 100)
        #expect(JSONValue.number(try #require(JSONNumber("-0"))).intValue == 0)
        #expect(JSONValue.number(try #require(JSONNumber("0.5"))).intValue == nil)
    }

    @Test func mergePatchKeepsUntouchedAndPatchedNumbersText() throws {
        let target = try Self.keep(#"{"a":1E+2,"b":{"c":-0,"d":0.10},"e":1}"#)
        let patch = try Self.keep(#"{"b":{"d":null,"f":1e-7},"e":null}"#)
        #expect(String(decoding: target.applyingMergePatch(patch).serialized(), as: UTF8.self)
            == #"{"a":1E+2,"b":{"c":-0,"f":1e-7}}"#)
    }
}
