/// A JSON number kept as the text it was written with, so a document reads back exactly as
/// written: `1E+2` stays `1E+2` (not `100.0`), `-0` stays `-0`, and an integer beyond 2^53 or a
/// long decimal keeps every digit that a `Double` would round away.
///
/// Invariant: `text` matches RFC 8259's `number` grammar and its magnitude fits a `Double`
/// (the parser refuses the rest), so it can be written into JSON output as it is.
/// Two values are equal when their texts are: `1.0` and `1.00` differ, as the documents do.
public struct JSONNumber: Sendable, Hashable {
    /// The number's source text.
    public let text: String

    /// Wraps text the parser has already checked against the number grammar.
    init(validatedText text: String) {
        self.text = text
    }

    /// `text` as a number, or nil when it is not exactly one JSON number (`" 1"`, `+1`, `01`,
    /// `1.`, `NaN`) or its magnitude overflows a `Double`.
    public init?(_ text: String) {
        // The parser allows whitespace around a document; a number's text has none.
        guard let first = text.utf8.first, let last = text.utf8.last,
              first == UInt8(ascii: "-") || Self.isDigit(first), Self.isDigit(last) else { return nil }
        let value = try? JSONParser.parse(text, maxDepth: 0, keepingNumberText: true)
        switch value {
        case .int?: self.init(validatedText: text)
        case .number(let number)?: self = number
        default: return nil
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// The nearest `Double` (what SQLite's `json_extract` yields for a real or a large integer).
    public var doubleValue: Double { Double(text) ?? 0 }

    /// The integer, when the text is an integer literal (no fraction, no exponent) that fits
    /// `Int64`; `-0` gives 0. SQLite reads such text as an integer too.
    public var integerValue: Int64? { Int64(text) }
}
