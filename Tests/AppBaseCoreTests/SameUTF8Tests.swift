import AppBaseCore
import Testing

/// `hasSameUTF8(as:)`: byte equality of identifiers, claims and path literals (owner rules,
/// JWT app claims, routing, JSON member lookup) — no canonical equivalence, any string shape.
@Suite struct SameUTF8Tests {
    @Test(arguments: [
        ("01a244ef-c894-7250-963e-8372bfafd1b8", "01a244ef-c894-7250-963e-8372bfafd1b8", true),
        ("01a244ef-c894-7250-963e-8372bfafd1b8", "01a244ef-c894-7250-963e-8372bfafd1b9", false),
        ("abc", "abcd", false),
        ("", "", true),
        ("", "a", false),
        ("caf\u{E9}", "cafe\u{301}", false),  // NFC and NFD: `==` says equal, the bytes differ
        ("日本語", "日本語", true),
    ])
    func comparesBytes(_ left: String, _ right: String, _ same: Bool) {
        #expect(left.hasSameUTF8(as: right) == same)
        #expect(right.hasSameUTF8(as: left) == same)
        #expect(left.dropFirst(0).hasSameUTF8(as: right) == same)
    }

    @Test func comparesASubstringInTheMiddleOfItsString() {
        let path = "/db/collections/notes/records"
        let segment = path.split(separator: "/")[2]
        #expect(segment.hasSameUTF8(as: "notes"))
        #expect(!segment.hasSameUTF8(as: "note"))
        #expect(!segment.hasSameUTF8(as: "notez"))
    }
}
