import AppBaseHTTP
import Testing

/// `QueryString.parse`: pairs split on `&` (empty ones skipped), name and value on the first
/// `=`, `%XX` and `+` decoded, malformed escapes and non-UTF-8 results kept literally.
@Suite struct QueryStringTests {
    static let cases: [(String, [(String, String)])] = [
        ("", []),
        ("limit=50", [("limit", "50")]),
        ("a=1&b=2", [("a", "1"), ("b", "2")]),
        ("&&a=1&&", [("a", "1")]),
        ("flag", [("flag", "")]),
        ("flag&x=", [("flag", ""), ("x", "")]),
        ("=v", [("", "v")]),
        ("a=b=c", [("a", "b=c")]),
        ("filter=n%20%3E%3D%2042", [("filter", "n >= 42")]),
        ("q=a+b", [("q", "a b")]),
        ("q=a%2Bb", [("q", "a+b")]),
        ("na%6De=v", [("name", "v")]),
        ("q=%E2%9C%93", [("q", "✓")]),
        ("q=✓&r=é", [("q", "✓"), ("r", "é")]),
        ("q=%ZZ", [("q", "%ZZ")]),
        ("q=%4", [("q", "%4")]),
        ("q=%FF+x", [("q", "%FF+x")]),
        ("a=1&a=2", [("a", "1"), ("a", "2")]),
        // A combining mark right after `=` or `&` belongs to the next part, not to the delimiter.
        ("name=\u{301}x&\u{301}b=c", [("name", "\u{301}x"), ("\u{301}b", "c")]),
    ]

    @Test func anEncodedValueIsTheFirstMatchStillEncoded() {
        #expect(QueryString.encodedValue(named: "name", in: "a=1&na%6De=x%2By&name=z") == "x%2By")
        #expect(QueryString.encodedValue(named: "flag", in: "flag&x=1") == "")
        #expect(QueryString.encodedValue(named: "name", in: "name=\u{301}x") == "\u{301}x")
        #expect(QueryString.encodedValue(named: "missing", in: "a=1") == nil)
    }

    @Test(arguments: cases.indices)
    func pairsAreSplitAndDecoded(_ index: Int) {
        let (query, expected) = Self.cases[index]
        let parsed = QueryString.parse(query)
        #expect(parsed.map(\.name) == expected.map(\.0), "\(query)")
        #expect(parsed.map(\.value) == expected.map(\.1), "\(query)")
    }
}
