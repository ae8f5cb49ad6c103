import AppBaseCore
import AppBaseHTTP
import Testing

@Suite("Numbers read back as written")
struct NumberTextTests {
    /// Lexemes a `Double` or `Int64` round trip would change, and ordinary ones that must stay as they are.
    static let lexemes = [
        "123456789012345678901234567890", "-0", "1E+2", "0.1", "1e-7", "9007199254740993", "-0.0", "1.50",
        "3.141592653589793238462643383279", "42", "-7", "2.5e3",
    ]

    /// The text that follows `"n":` in `text` up to the next `,` or `}`.
    static func numberText(in text: String) -> String? {
        guard let range = text.firstRange(of: #""n":"#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "," && $0 != "}" })
    }

    @Test("create, get, list, a PATCH of another field, PUT and batch keep each number's text", arguments: lexemes)
    func roundTrip(lexeme: String) async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/db/collections/c", as: .alice, body: #"{"n":\#(lexeme),"s":"a"}"#)
            #expect(Self.numberText(in: created.text) == lexeme, "\(created.text)")
            let id = try #require(created.json["id"]?.stringValue)
            let fetched = await app.request("GET", "/db/collections/c/\(id)", as: .alice)
            #expect(Self.numberText(in: fetched.text) == lexeme, "\(fetched.text)")
            let listed = await app.request("GET", "/db/collections/c", as: .alice)
            #expect(Self.numberText(in: listed.text) == lexeme, "\(listed.text)")
            let projected = await app.request("GET", "/db/collections/c/\(id)?fields=n", as: .alice)
            #expect(Self.numberText(in: projected.text) == lexeme, "\(projected.text)")
            let patched = await app.request("PATCH", "/db/collections/c/\(id)", as: .alice, body: #"{"s":"b"}"#)
            #expect(Self.numberText(in: patched.text) == lexeme, "\(patched.text)")
            let patchedIn = await app.request("PATCH", "/db/collections/c/\(id)", as: .alice, body: #"{"n":\#(lexeme)}"#)
            #expect(Self.numberText(in: patchedIn.text) == lexeme, "\(patchedIn.text)")
            let replaced = await app.request("PUT", "/db/collections/c/\(id)", as: .alice, body: #"{"n":\#(lexeme)}"#)
            #expect(Self.numberText(in: replaced.text) == lexeme, "\(replaced.text)")
            let batch = await app.request("POST", "/db/batch", as: .alice,
                                          body: #"{"operations":[{"op":"create","collection":"c","data":{"n":\#(lexeme)}}]}"#)
            #expect(Self.numberText(in: batch.text) == lexeme, "\(batch.text)")
        }
    }

    @Test("filters and sorts still compare the kept numbers numerically")
    func filtersCompareNumerically() async throws {
        try await TestApp.with { app in
            for lexeme in ["123456789012345678901234567890", "1E+2", "99", "1e-7", "-0"] {
                app.clock.advance(milliseconds: 1)
                _ = try await app.create("c", #"{"n":\#(lexeme)}"#)
            }
            func found(_ filter: String) async -> [String] {
                let encoded = QueryString.percentEncode(filter)
                let response = await app.request("GET", "/db/collections/c?filter=\(encoded)&sort=n", as: .alice)
                return response.text.split(separator: #""n":"#).dropFirst().map {
                    String($0.prefix { $0 != "," && $0 != "}" })
                }
            }
            #expect(await found("n > 1e29") == ["123456789012345678901234567890"])
            #expect(await found("n = 100") == ["1E+2"])
            #expect(await found("n >= 99") == ["99", "1E+2", "123456789012345678901234567890"])
            #expect(await found("n < 0.001") == ["-0", "1e-7"])
        }
    }
}
