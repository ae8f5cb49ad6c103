import AppBaseCore
import Testing

@testable import AppBaseQuery
import OrderedCollections

private func path(_ text: String) -> FieldPath {
    do { return try FieldPath(text) } catch { fatalError("bad test path \(text): \(error)") }
}

private func parse(_ text: String) throws -> FilterExpression {
    try Filter.parse(text).expression
}

@Suite("Filter parser: happy paths")
struct FilterParserHappyPathTests {
    @Test func comparisonOperators() throws {
        for op in ComparisonOperator.allCases {
            #expect(try parse("score \(op.rawValue) 5") == .compare(path("score"), op, .int(5)))
        }
        #expect(try parse("score>=5") == .compare(path("score"), .greaterOrEqual, .int(5)))
    }

    @Test func literals() throws {
        let cases: [(String, FilterLiteral)] = [
            ("0", .int(0)), ("-0", .int(0)), ("42", .int(42)), ("-7", .int(-7)),
            ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
            ("1.5", .double(1.5)), ("-2e-3", .double(-0.002)), ("1E2", .double(100)), ("0.0", .double(0)),
            ("true", .bool(true)), ("false", .bool(false)), ("null", .null),
            ("\"hi\"", .string("hi")), ("'hi'", .string("hi")), ("''", .string("")),
        ]
        for (text, literal) in cases {
            #expect(try parse("a = \(text)") == .compare(path("a"), .equal, literal), "\(text)")
        }
    }

    @Test func stringEscapesAndUnicode() throws {
        #expect(try parse(#"a = "q\"s\\b\/n\nt\tu\u00e9\uD83D\uDE00""#)
            == .compare(path("a"), .equal, .string("q\"s\\b/n\nt\tu\u{E9}\u{1F600}")))
        #expect(try parse(#"a = 'it\'s "fine"'"#) == .compare(path("a"), .equal, .string("it's \"fine\"")))
        #expect(try parse(#"a = "\b\f\r""#) == .compare(path("a"), .equal, .string("\u{8}\u{C}\r")))
        // NUL via escape, RTL marks, emoji with modifiers and combining marks are ordinary string content.
        #expect(try parse(#"a = "x\u0000y""#) == .compare(path("a"), .equal, .string("x\u{0}y")))
        let odd = "\u{200F}שלום\u{200E} 👩🏽‍💻 e\u{301} \u{FEFF}"
        #expect(try parse("a = \"\(odd)\"") == .compare(path("a"), .equal, .string(odd)))
        #expect(try parse("a ~ '\(odd)'") == .contains(path("a"), ContainsPattern(odd)))
    }

    @Test func pathsAndSystemFields() throws {
        #expect(try parse("address.city = 'Paris'") == .compare(path("address.city"), .equal, .string("Paris")))
        let deep = try FieldPath("_a.B_2.c9")
        #expect(deep.segments == ["_a", "B_2", "c9"] && deep.systemField == nil)
        #expect(try FieldPath("createdAt").systemField == .createdAt)
        #expect(try FieldPath("meta.id").systemField == nil)
        #expect(try parse("createdAt >= '2024-01-01'") == .compare(path("createdAt"), .greaterOrEqual, .string("2024-01-01")))
        #expect(try parse("version in [1, 2.0, null]") == .oneOf(path("version"), [.int(1), .double(2), .null]))
        #expect(try parse("ownerId = null") == .compare(path("ownerId"), .equal, .null))
        #expect(try parse("ownerId exists") == .exists(path("ownerId")))
        #expect(try parse("id ~ 'AB'") == .contains(path("id"), ContainsPattern("AB")))
    }

    @Test func keywordsAreUsableAsFieldNames() throws {
        #expect(try parse("in in [1, 'x', null, true, -2.5e3]")
            == .oneOf(path("in"), [.int(1), .string("x"), .null, .bool(true), .double(-2500)]))
        #expect(try parse("exists exists") == .exists(path("exists")))
        #expect(try parse("null = null") == .compare(path("null"), .equal, .null))
        #expect(try parse("true != false") == .compare(path("true"), .notEqual, .bool(false)))
        #expect(try parse("a in []") == .oneOf(path("a"), []))
    }

    @Test func precedenceAndFlattening() throws {
        let a = FilterExpression.compare(path("a"), .equal, .int(1))
        let b = FilterExpression.compare(path("b"), .equal, .int(2))
        let c = FilterExpression.compare(path("c"), .equal, .int(3))
        #expect(try parse("!a = 1 || b = 2 && c = 3") == .or([.not(a), .and([b, c])]))
        #expect(try parse("a = 1 && (b = 2 && c = 3)") == .and([a, b, c]))
        #expect(try parse("(a = 1 || b = 2) || c = 3") == .or([a, b, c]))
        #expect(try parse("(a = 1 || b = 2) && c = 3") == .and([.or([a, b]), c]))
        #expect(try parse("!!(a = 1)") == .not(.not(a)))
        #expect(try parse(" \t\n( ( a = 1 ) )\r\n") == a)
        #expect(try parse("!a exists") == .not(.exists(path("a"))))
    }

    @Test func canonicalTextRoundTrips() throws {
        let texts = [
            "a = 1", "!(a = 1) || (b = 'x' && c in [1, 2.5, null])", "a ~ 'Q\"\\u0001'",
            "x exists && (y != null || z <= -3e2)", "version >= 2 && createdAt < \"2024\"",
        ]
        for text in texts {
            let filter = try Filter.parse(text)
            let again = try Filter.parse(filter.canonicalText)
            #expect(again == filter, "\(text) → \(filter.canonicalText)")
            #expect(again.canonicalText == filter.canonicalText)
        }
        #expect(try Filter.parse("(a=1)&&b   =  'x'").canonicalText == #"a = 1 && b = "x""#)
        #expect(try Filter.parse("a = 1e2 || b in [true]").canonicalText == "a = 100.0 || b in [true]")
    }

    @Test func validatingInitializerChecksSystemFieldTypes() throws {
        #expect(throws: FilterError.self) {
            try Filter(validating: .compare(path("version"), .equal, .string("1")))
        }
        #expect(throws: FilterError.self) { try Filter(validating: .not(.contains(path("version"), ContainsPattern("1")))) }
        let ok = try Filter(validating: .and([.compare(path("id"), .equal, .string("r1")), .exists(path("a"))]))
        #expect(ok.expression == .and([.compare(path("id"), .equal, .string("r1")), .exists(path("a"))]))
    }
}

@Suite("Filter parser: errors and limits")
struct FilterParserErrorTests {
    /// (filter, expected position, a fragment of the message)
    static let cases: [(String, Int, String)] = [
        ("", 0, "Empty"), ("   ", 3, "Empty"), ("a =", 3, "Expected a value"), ("a = 1 &&", 8, "found end"),
        ("a == 1", 3, "Expected a value"), ("a & b", 2, "'&&'"), ("a | b", 2, "'||'"), ("(a = 1", 6, "Expected ')'"),
        ("a = 1)", 5, "Unexpected ')'"), ("a.= 1", 2, "field name"), ("a..b = 1", 2, "field name"),
        ("a. b = 1", 2, "field name"), ("1a = 2", 1, "after number"), ("5 = a", 0, "Expected a field path"),
        ("a = 01", 4, "leading zeros"), ("a = 1.", 5, "digit after"), ("a = .5", 4, "Unexpected character"),
        ("a = 1e", 6, "exponent"), ("a = 1.5.2", 7, "after number"), ("a = 99999999999999999999", 4, "out of range"),
        ("a = 1e999", 4, "out of range"), ("a = 'abc", 4, "Unterminated"), ("a = 'abc\\", 4, "Unterminated"),
        (#"a = "\x""#, 5, "Invalid escape"), (#"a = "\uD800""#, 5, "surrogate"), (#"a = "\uDC00x""#, 5, "surrogate"),
        (#"a = "\uD800\u0041""#, 5, "surrogate"), (#"a = "\u12""#, 5, "hex digits"),
        ("\u{FF41} = 1", 0, "U+FF41"), ("a\u{FF22} = 1", 1, "U+FF22"), ("caf\u{E9} = 1", 3, "U+00E9"),
        ("a = 1 \u{200F}", 6, "U+200F"), ("a = \"x\u{0}y\"", 6, "Control character"), ("a\u{0} = 1", 1, "U+0000"),
        ("a = \u{201C}x\u{201D}", 4, "U+201C"), ("a\u{00A0}= 1", 1, "U+00A0"),
        ("a > null", 4, "null can only"), ("a ~ 5", 4, "must be followed by a string"), ("version ~ 'x'", 8, "'~' needs a text"),
        ("id = 5", 5, "'id' is text"), ("createdAt > true", 12, "is text"), ("version = '3'", 10, "is a number"),
        ("version in [1, 'x']", 15, "is a number"), ("id.x = 1", 2, "no members"), ("a in 1", 5, "Expected '['"),
        ("a in [1,]", 8, "Expected a value"), ("a in [1 2]", 8, "Expected ',' or ']'"), ("a = b", 4, "Expected a value"),
        ("a = true.x", 4, "Expected a value"), ("a", 1, "Expected an operator"), ("!", 1, "found end"),
        ("a = 1 b = 2", 6, "Unexpected 'b'"), ("a = -", 4, "Expected a value"), ("a = - 1", 4, "Expected a value"),
        ("a = 1 && || b = 2", 9, "found '||'"), ("()", 1, "found ')'"), ("a = [1]", 4, "Expected a value"),
    ]

    @Test(arguments: cases)
    func reportsPosition(_ text: String, _ position: Int, _ fragment: String) {
        let error = filterError(text)
        #expect(error?.position == position, "\(text): \(String(describing: error))")
        #expect(error?.message.contains(fragment) == true, "\(text): \(String(describing: error))")
    }

    @Test func injectionAttemptsAsPathsAreSyntaxErrors() {
        #expect(filterError("a'; DROP TABLE records; -- = 1")?.position == 1)
        #expect(filterError("a') OR 1=1 -- = 1")?.position == 1)
        #expect(filterError("\"a\" = 1")?.position == 0)
        #expect(filterError("a = 1; DROP TABLE records")?.position == 5)
        #expect(filterError("a = 1 -- comment")?.position == 6)
        #expect(filterError("a = 1 /* x */")?.position == 6)
    }

    @Test func lengthLimit() {
        let ok = String(repeating: " ", count: 2048 - 5) + "a = 1"
        #expect(filterError(ok) == nil)
        let error = filterError(ok + " ")
        #expect(error?.position == 2048 && error?.message.contains("longer than 2048") == true)
        // Length counts code points: 2048 emoji in a string are over the limit.
        #expect(filterError("a = '" + String(repeating: "😀", count: 2044) + "'")?.position == 2048)
        #expect(filterError("a = 'x'", limits: FilterLimits(maxLength: 6))?.position == 6)
    }

    @Test func depthLimit() {
        func nested(_ depth: Int) -> String { String(repeating: "(", count: depth) + "a = 1" + String(repeating: ")", count: depth) }
        #expect(filterError(nested(16)) == nil)
        #expect(filterError(nested(17))?.position == 16)
        #expect(filterError(String(repeating: "!", count: 16) + "a = 1") == nil)
        #expect(filterError(String(repeating: "!", count: 17) + "a = 1")?.position == 16)
        #expect(filterError("!(!(" + "a = 1))", limits: FilterLimits(maxDepth: 3))?.position == 3)
        // Long flat chains do not nest.
        let chain = (0..<32).map { "f\($0) = \($0)" }.joined(separator: " && ")
        #expect(filterError(chain) == nil)
        // Deeply nested input far past the limit fails fast without exhausting the stack.
        #expect(filterError(String(repeating: "(", count: 1000))?.position == 16)
    }

    @Test func termLimit() {
        let terms = (0..<33).map { "f\($0) = \($0)" }
        #expect(filterError(terms.prefix(32).joined(separator: " || ")) == nil)
        let text = terms.joined(separator: " || ")
        let error = filterError(text)
        let expected = terms.prefix(32).joined(separator: " || ").unicodeScalars.count + 4
        #expect(error?.position == expected && error?.message.contains("32 terms") == true)
    }

    @Test func inListLimit() {
        let values = (0..<101).map(String.init)
        #expect(filterError("a in [" + values.prefix(100).joined(separator: ",") + "]") == nil)
        let text = "a in [" + values.joined(separator: ",") + "]"
        let expected = ("a in [" + values.prefix(100).joined(separator: ",") + ",").count
        #expect(filterError(text)?.position == expected)
        #expect(filterError("a in [1, 2, 3]", limits: FilterLimits(maxInListCount: 2))?.position == 12)
    }

    @Test func errorRendering() {
        let error = FilterError(position: 4, message: "Expected a value")
        #expect(error.description == "Expected a value at position 4")
        let client = error.appBaseError()
        #expect(client.status == 400 && client.code == .invalidFilter)
        #expect(client.details == .object(["position": 4]))
        #expect(error.appBaseError(code: .invalidSort).code == .invalidSort)
    }
}
