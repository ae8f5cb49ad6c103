import AppBaseTestSupport
import OrderedCollections
import Testing

@testable import AppBaseCore

/// Parses `text`, expecting failure; returns the error (or nil if parsing succeeded).
private func parseError(_ text: String, maxDepth: Int = 32) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(text, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

/// One rejected document with the expected byte offset and message.
struct JSONRejectCase: Sendable, CustomTestStringConvertible {
    let input: String
    let offset: Int
    let message: String
    init(_ input: String, _ offset: Int, _ message: String) {
        self.input = input
        self.offset = offset
        self.message = message
    }
    var testDescription: String { input.debugDescription }
}

@Suite("JSONParser")
struct JSONParserTests {
    // MARK: Values

    @Test func scalars() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("0") == .int(0))
        #expect(try JSONParser.parse("-12") == .int(-12))
        #expect(try JSONParser.parse("\"hi\"") == .string("hi"))
        #expect(try JSONParser.parse("[]") == .array([]))
        #expect(try JSONParser.parse("{}") == .object([:]))
    }

    @Test func whitespaceAroundAndInside() throws {
        let value = try JSONParser.parse(" \t\r\n{ \"a\" : [ 1 , 2 ] ,\n\"b\":{ } }\r\n ")
        #expect(value == ["a": [1, 2], "b": [:]])
    }

    @Test func objectKeepsDocumentOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":{"y":true,"b":null}}"#)
        #expect(value.objectValue?.keys.elements == ["z", "a", "m"])
        #expect(value["m"]?.objectValue?.keys.elements == ["y", "b"])
    }

    @Test func allThreeEntryPointsAgree() throws {
        let text = #"{"a":[1,2.5,"é😀",null,{"b":false}]}"#
        let bytes = Array(text.utf8)
        let fromString = try JSONParser.parse(text)
        let fromArray = try JSONParser.parse(bytes)
        let fromRaw = try bytes.withUnsafeBytes { raw in try JSONParser.parse(raw) }
        #expect(fromString == fromArray)
        #expect(fromString == fromRaw)
        #expect(fromString == ["a": [1, 2.5, "é😀", nil, ["b": false]]])
    }

    @Test func emptyRawBufferIsAnError() {
        let error = #expect(throws: JSONParseError.self) {
            try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        #expect(error == JSONParseError(offset: 0, message: "unexpected end of input"))
    }

    // MARK: Strings

    @Test func allEscapes() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\u0000""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé€\u{0}"))
    }

    @Test func surrogatePairs() throws {
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""a\ud834\udd1eb""#) == .string("a𝄞b"))
        #expect(try JSONParser.parse(#""\uDBFF\uDFFF""#) == .string("\u{10FFFF}"))
    }

    @Test func rawUTF8PassesThrough() throws {
        let text = "\"héllo wörld — 日本語 😀 \u{10FFFF}\""
        #expect(try JSONParser.parse(text) == .string("héllo wörld — 日本語 😀 \u{10FFFF}"))
    }

    @Test func escapesMixedWithLongRuns() throws {
        let long = String(repeating: "abcdefgh", count: 100)
        let value = try JSONParser.parse("\"\(long)\\n\(long)\\u00e9\"")
        #expect(value == .string(long + "\n" + long + "é"))
        // The scratch buffer is reused between strings: later strings must not see old bytes.
        let array = try JSONParser.parse(#"["a\nb","c\td","plain","\u0041"]"#)
        #expect(array == ["a\nb", "c\td", "plain", "A"])
    }

    // MARK: Numbers

    @Test func integerBoundaries() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9_223_372_036_854_775_808.0))
        #expect(try JSONParser.parse("-9223372036854775809") == .double(-9_223_372_036_854_775_809.0))
        #expect(try JSONParser.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test func negativeZero() throws {
        #expect(try JSONParser.parse("-0") == .int(0))
        guard case .double(let value) = try JSONParser.parse("-0.0") else {
            Issue.record("expected a double")
            return
        }
        #expect(value == 0 && value.sign == .minus)
        guard case .double(let exp) = try JSONParser.parse("-0e5") else {
            Issue.record("expected a double")
            return
        }
        #expect(exp.sign == .minus)
    }

    @Test func reals() throws {
        #expect(try JSONParser.parse("1.0") == .double(1))
        #expect(try JSONParser.parse("1E2") == .double(100))
        #expect(try JSONParser.parse("1e+2") == .double(100))
        #expect(try JSONParser.parse("-1.5e-3") == .double(-0.0015))
        #expect(try JSONParser.parse("0.1") == .double(0.1))
        #expect(try JSONParser.parse("0.30000000000000004") == .double(0.1 + 0.2))
        #expect(try JSONParser.parse("1e308") == .double(1e308))
        #expect(try JSONParser.parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try JSONParser.parse("4.9e-324") == .double(.leastNonzeroMagnitude))
        #expect(try JSONParser.parse("2.2250738585072014e-308") == .double(.leastNormalMagnitude))
        #expect(try JSONParser.parse("1e-400") == .double(0))
        #expect(try JSONParser.parse("0e999999999999") == .double(0))
        #expect(try JSONParser.parse("0.000001234") == .double(0.000001234))
    }

    /// The Clinger fast path and the stdlib fallback must agree with `Double(String)` everywhere.
    @Test func realsAgreeWithStdlib() throws {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<5000 {
            let digits = String(rng.next() % 100_000_000_000_000_000)
            let cut = Int(rng.next() % UInt64(digits.count))
            let mantissa = cut == 0 ? digits : "\(digits.prefix(cut)).\(digits.dropFirst(cut))"
            let exponent = Int(rng.next() % 80) - 40
            let text = (rng.next() % 2 == 0 ? "-" : "") + (digits.first == "0" ? "0.5" : mantissa) + "e\(exponent)"
            guard let expected = Double(text) else { continue }
            #expect(try JSONParser.parse(text) == .double(expected), "\(text)")
        }
        for _ in 0..<5000 {
            let double = Double(bitPattern: rng.next())
            guard double.isFinite else { continue }
            #expect(try JSONParser.parse(double.description) == .double(double), "\(double)")
        }
    }

    // MARK: Depth

    @Test func depthLimitExactly() throws {
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(try JSONParser.parse(ok).nestingDepth == 32)
        let tooDeep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(parseError(tooDeep) == JSONParseError(offset: 32, message: "nesting deeper than 32"))

        let objects32 = String(repeating: #"{"a":"#, count: 31) + "{}" + String(repeating: "}", count: 31)
        #expect(try JSONParser.parse(objects32).nestingDepth == 32)
        let objects33 = String(repeating: #"{"a":"#, count: 32) + "{}" + String(repeating: "}", count: 32)
        #expect(parseError(objects33) == JSONParseError(offset: 32 * 5, message: "nesting deeper than 32"))
    }

    @Test func customDepthLimits() throws {
        #expect(try JSONParser.parse("1", maxDepth: 0) == .int(1))
        #expect(parseError("[]", maxDepth: 0) == JSONParseError(offset: 0, message: "nesting deeper than 0"))
        #expect(try JSONParser.parse("[[1],{\"a\":2}]", maxDepth: 2).nestingDepth == 2)
        #expect(parseError("[[1],{\"a\":[]}]", maxDepth: 2) == JSONParseError(offset: 10, message: "nesting deeper than 2"))
        #expect(parseError("[[1],{\"a\":[]}]", maxDepth: 1) == JSONParseError(offset: 1, message: "nesting deeper than 1"))
    }

    // MARK: Errors

    static let rejected: [JSONRejectCase] = [
        // End of input.
        JSONRejectCase("", 0, "unexpected end of input"),
        JSONRejectCase("   ", 3, "unexpected end of input"),
        JSONRejectCase("[1,", 3, "unexpected end of input"),
        JSONRejectCase("[1", 2, "unexpected end of input"),
        JSONRejectCase(#"{"a":1"#, 6, "unexpected end of input"),
        JSONRejectCase(#"{"a""#, 4, "unexpected end of input"),
        JSONRejectCase("{", 1, "unexpected end of input"),
        // Structure.
        JSONRejectCase("[1,]", 3, "trailing comma"),
        JSONRejectCase("[1 , ]", 5, "trailing comma"),
        JSONRejectCase(#"{"a":1,}"#, 7, "trailing comma"),
        JSONRejectCase("[1 2]", 3, "expected ',' or ']', found '2'"),
        JSONRejectCase(#"{"a":1 "b":2}"#, 7, "expected ',' or '}', found '\"'"),
        JSONRejectCase(#"{"a" 1}"#, 5, "expected ':', found '1'"),
        JSONRejectCase("{1:2}", 1, "expected a string key, found '1'"),
        JSONRejectCase("{'a':1}", 1, "expected a string key, found '''"),
        JSONRejectCase("[,1]", 1, "unexpected ','"),
        JSONRejectCase("]", 0, "unexpected ']'"),
        JSONRejectCase("1 2", 2, "unexpected '2' after the JSON value"),
        JSONRejectCase("{} {}", 3, "unexpected '{' after the JSON value"),
        JSONRejectCase("nulll", 4, "unexpected 'l' after the JSON value"),
        // Comments.
        JSONRejectCase("// c\n1", 0, "unexpected '/'"),
        JSONRejectCase("/* c */ 1", 0, "unexpected '/'"),
        JSONRejectCase("[1] // c", 4, "unexpected '/' after the JSON value"),
        // Literals.
        JSONRejectCase("tru", 0, "invalid literal"),
        JSONRejectCase("[trUe]", 1, "invalid literal"),
        JSONRejectCase("nul", 0, "invalid literal"),
        JSONRejectCase("fals e", 0, "invalid literal"),
        JSONRejectCase("NaN", 0, "unexpected 'N'"),
        JSONRejectCase("Infinity", 0, "unexpected 'I'"),
        JSONRejectCase("-Infinity", 1, "expected a digit, found 'I'"),
        JSONRejectCase("undefined", 0, "unexpected 'u'"),
        // Numbers.
        JSONRejectCase("01", 0, "leading zeros are not allowed"),
        JSONRejectCase("[-012]", 1, "leading zeros are not allowed"),
        JSONRejectCase("+1", 0, "unexpected '+'"),
        JSONRejectCase(".5", 0, "unexpected '.'"),
        JSONRejectCase("-", 1, "unexpected end of input"),
        JSONRejectCase("- 1", 1, "expected a digit, found byte 0x20"),
        JSONRejectCase("1.", 2, "unexpected end of input"),
        JSONRejectCase("1.e5", 2, "expected a digit after '.', found 'e'"),
        JSONRejectCase("1e", 2, "unexpected end of input"),
        JSONRejectCase("1e+", 3, "unexpected end of input"),
        JSONRejectCase("1e+x", 3, "expected a digit in the exponent, found 'x'"),
        JSONRejectCase("0x10", 1, "unexpected 'x' after the JSON value"),
        JSONRejectCase("1e309", 0, "number out of range"),
        JSONRejectCase("-1e309", 0, "number out of range"),
        JSONRejectCase("[1, 1e400]", 4, "number out of range"),
        JSONRejectCase("1" + String(repeating: "0", count: 309), 0, "number out of range"),
        // Strings.
        JSONRejectCase(#""abc"#, 0, "unterminated string"),
        JSONRejectCase(#"["a", "b]"#, 6, "unterminated string"),
        JSONRejectCase("\"a\u{01}b\"", 2, "unescaped control character byte 0x01 in string"),
        JSONRejectCase("\"a\nb\"", 2, "unescaped control character byte 0x0A in string"),
        JSONRejectCase("\"tab\there\"", 4, "unescaped control character byte 0x09 in string"),
        JSONRejectCase(#""\x""#, 1, "invalid escape"),
        JSONRejectCase(#""ab\'""#, 3, "invalid escape"),
        JSONRejectCase(#""\""#, 0, "unterminated string"),
        JSONRejectCase("\"\\", 1, "invalid escape"),
        JSONRejectCase(#""\u12G4""#, 1, "invalid \\u escape"),
        JSONRejectCase(#""\u12""#, 1, "invalid \\u escape"),
        JSONRejectCase(#""\uD800""#, 1, "unpaired surrogate in \\u escape"),
        JSONRejectCase(#""\uDC00""#, 1, "unpaired surrogate in \\u escape"),
        JSONRejectCase(#""\uD800\u0041""#, 1, "unpaired surrogate in \\u escape"),
        JSONRejectCase(#""ab\uD83Dx""#, 3, "unpaired surrogate in \\u escape"),
        JSONRejectCase(#""\uDE00\uD83D""#, 1, "unpaired surrogate in \\u escape"),
        JSONRejectCase(#""\uD83D\n""#, 1, "unpaired surrogate in \\u escape"),
        JSONRejectCase(#""\uD83D\uZZZZ""#, 7, "invalid \\u escape"),
        // Duplicate keys (also when spelled differently).
        JSONRejectCase(#"{"a":1,"a":2}"#, 7, #"duplicate key "a""#),
        JSONRejectCase(#"{"a":1,"\u0061":2}"#, 7, #"duplicate key "a""#),
        JSONRejectCase(#"{"x":{"q\n":1,"q\n":{}}}"#, 14, #"duplicate key "q\n""#),
    ]

    @Test(arguments: rejected)
    func rejects(_ reject: JSONRejectCase) {
        #expect(parseError(reject.input) == JSONParseError(offset: reject.offset, message: reject.message))
    }

    @Test func canonicallyEquivalentKeysAreDuplicates() {
        // "é" precomposed and "e" + U+0301 are equal Swift strings, so one dictionary can't hold both.
        let error = parseError("{\"\u{E9}\":1,\"e\u{301}\":2}")
        #expect(error?.offset == 8)
        #expect(error?.message.hasPrefix("duplicate key") == true)
        #expect(parseError(#"{"\u00e9":1,"e\u0301":2}"#)?.offset == 12)
    }

    @Test func largeObjectsKeepOrderAndCatchDuplicates() throws {
        let members = (0..<100).map { "\"k\($0)\":\($0)" }
        let text = "{" + members.joined(separator: ",") + "}"
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys.elements == (0..<100).map { "k\($0)" })
        #expect(value["k99"] == .int(99))
        #expect(value.jsonText == text)

        let duplicated = "{" + members.joined(separator: ",") + ",\"k50\":0}"
        #expect(parseError(duplicated) == JSONParseError(offset: text.utf8.count, message: #"duplicate key "k50""#))
        // Just past the linear-scan limit, and a duplicate of the first key.
        for size in [12, 13, 14, 40] {
            let keys = (0..<size).map { "\"k\($0)\":0" }.joined(separator: ",")
            let dup = "{" + keys + ",\"k0\":1}"
            #expect(parseError(dup)?.offset == keys.utf8.count + 2, "\(size)")
        }
    }

    @Test func nestedContainersInsideObjectsAndArrays() throws {
        let text = #"[{"a":[1,{"b":[]}],"c":{"d":[[],[{}]]}},[],{"e":{}},[[1],[2,[3]]]]"#
        let value = try JSONParser.parse(text)
        #expect(value.jsonText == text)
        #expect(value == [["a": [1, ["b": []]], "c": ["d": [[], [[:]]]]], [], ["e": [:]], [[1], [2, [3]]]])
    }

    /// The eight-bytes-at-a-time scanner must find special bytes at every position exactly.
    @Test func specialBytesAtEveryPosition() throws {
        for length in 0..<40 {
            for position in 0..<length {
                var bytes = Array(repeating: UInt8(ascii: "a"), count: length)
                bytes[position] = 0x01
                #expect(parseError([0x22] + bytes + [0x22])?.offset == position + 1)
                bytes[position] = 0xFF
                #expect(parseError([0x22] + bytes + [0x22]) == JSONParseError(offset: position + 1, message: "invalid UTF-8"))
                bytes[position] = UInt8(ascii: "\"")
                #expect(parseError([0x22] + bytes + [0x22])?.offset == position + 2)
                let before = String(repeating: "a", count: position)
                let after = String(repeating: "b", count: length - position)
                #expect(try JSONParser.parse("\"\(before)é\\n\(after)\"") == .string(before + "é\n" + after))
            }
        }
    }

    @Test func sameKeyInDifferentObjectsIsFine() throws {
        let value = try JSONParser.parse(#"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#)
        #expect(value == ["a": ["a": 1], "b": [["a": 2], ["a": 3]]])
    }

    @Test(arguments: [
        // (bytes, offset): all quoted, so the offending byte is inside a string.
        ([0x22, 0x61, 0xFF, 0x22], 2),  // never valid
        ([0x22, 0x80, 0x22], 1),  // lone continuation byte
        ([0x22, 0xC0, 0x80, 0x22], 1),  // overlong NUL
        ([0x22, 0xC1, 0xBF, 0x22], 1),  // overlong
        ([0x22, 0xE0, 0x80, 0x80, 0x22], 1),  // overlong 3-byte
        ([0x22, 0xF0, 0x80, 0x80, 0x80, 0x22], 1),  // overlong 4-byte
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),  // encoded surrogate U+D800
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
        ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),  // invalid lead
        ([0x22, 0xC3, 0x28, 0x22], 1),  // missing continuation
        ([0x22, 0x61, 0xE2, 0x82, 0x22], 2),  // truncated before the quote
        ([0x22, 0xE2, 0x82], 1),  // truncated at end of input
        ([0x22, 0x5C, 0x6E, 0xE2, 0x28, 0xA1, 0x22], 3),  // after an escape
    ] as [([UInt8], Int)])
    func rejectsInvalidUTF8(bytes: [UInt8], offset: Int) {
        #expect(parseError(bytes) == JSONParseError(offset: offset, message: "invalid UTF-8"))
    }

    @Test func rejectsNonASCIIOutsideStrings() {
        #expect(parseError([0xEF, 0xBB, 0xBF, 0x31]) == JSONParseError(offset: 0, message: "unexpected byte 0xEF"))
        #expect(parseError([0x5B, 0x31, 0x5D, 0xC3, 0xA9]) == JSONParseError(offset: 3, message: "unexpected byte 0xC3 after the JSON value"))
    }

    @Test func acceptsBoundaryUTF8() throws {
        let bytes: [UInt8] = [
            0x22, 0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80,
            0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF, 0x22,
        ]
        #expect(try JSONParser.parse(bytes) == .string("\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{10000}\u{10FFFF}"))
    }

    @Test func errorConvertsToAppBaseError() {
        let error = JSONParseError(offset: 4, message: "trailing comma")
        let appError = error.appBaseError
        #expect(appError.status == 400)
        #expect(appError.message == "trailing comma")
        #expect(appError.details == ["offset": 4])
        #expect(error.description == "trailing comma at byte offset 4")
    }
}
