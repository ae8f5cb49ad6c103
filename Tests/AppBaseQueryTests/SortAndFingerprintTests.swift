import AppBaseCore
import Testing

@testable import AppBaseQuery

private func sortError(_ text: String) -> FilterError? {
    do {
        _ = try SortSpec.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite("Sort specs, keyset predicates, fingerprints")
struct SortAndFingerprintTests {
    @Test func parsesSortText() throws {
        let sort = try SortSpec.parse(" -createdAt , +title,address.city")
        #expect(sort.keys.map(\.path.description) == ["createdAt", "title", "address.city"])
        #expect(sort.keys.map(\.descending) == [true, false, false])
        #expect(sort.description == "-createdAt,title,address.city")
        #expect(SortSpec.default.description == "-createdAt")
        #expect(try SortSpec.parse("-createdAt") == SortSpec.default)
    }

    @Test func rejectsBadSortText() {
        let cases: [(String, Int, String)] = [
            ("", 0, "Empty"), ("a,", 2, "Expected a field path"), (",a", 0, "Expected a field path"),
            ("a b", 2, "Expected ','"), ("a,-a", 3, "repeated"), ("a,b,c,d,e", 8, "more than 4"),
            ("--a", 1, "Expected a field path"), ("a;drop", 1, "Unexpected character"), ("id.x", 2, "no members"),
            ("tïtle", 1, "U+00EF"), ("'a'", 0, "Expected a field path"),
        ]
        for (text, position, fragment) in cases {
            let error = sortError(text)
            #expect(error?.position == position, "\(text): \(String(describing: error))")
            #expect(error?.message.contains(fragment) == true, "\(text): \(String(describing: error))")
        }
        #expect(sortError(String(repeating: "a", count: 513))?.position == 512)
        #expect(SortSpec(keys: []) == nil)
        #expect(SortSpec(keys: Array(repeating: SortSpec.Key(path: SortSpec.default.keys[0].path, descending: true), count: 2)) == nil)
    }

    @Test func orderByAndKeysetSQL() throws {
        #expect(FilterCompiler.orderBy(.default) == "created_at DESC, id DESC")
        let sort = try SortSpec.parse("title,-version")
        #expect(FilterCompiler.orderBy(sort) == "json_extract(data, '$.title') ASC, version DESC, id DESC")
        let predicate = FilterCompiler.keysetPredicate(sort, after: SortCursor(values: [.text("m"), .int(3)], id: "r9"))
        #expect(predicate == SQLFragment(
            sql: "(json_extract(data, '$.title') >= ? AND (json_extract(data, '$.title') > ? OR "
                + "(json_extract(data, '$.title') = ? AND (version < ? OR (version = ? AND id < ?)))))",
            bindings: [.text("m"), .text("m"), .text("m"), .int(3), .int(3), .text("r9")]))
        // NULL cursor values: ascending after NULL is "IS NOT NULL"; descending after NULL has nothing strictly after.
        let nulls = FilterCompiler.keysetPredicate(try SortSpec.parse("a,-b"), after: SortCursor(values: [.null, .null], id: "x"))
        #expect(nulls?.sql == "(json_extract(data, '$.a') IS NOT NULL OR (json_extract(data, '$.a') IS NULL AND "
            + "(json_extract(data, '$.b') IS NULL AND id < ?)))")
        // A sort ending in id needs no extra tiebreaker.
        let byID = try SortSpec.parse("-id")
        #expect(FilterCompiler.orderBy(byID) == "id DESC")
        #expect(FilterCompiler.keysetPredicate(byID, after: SortCursor(values: [.text("r5")], id: "r5"))
            == SQLFragment(sql: "id < ?", bindings: [.text("r5")]))
        #expect(FilterCompiler.keysetPredicate(.default, after: SortCursor(values: [.text("t")], id: "r5"))
            == SQLFragment(sql: "(created_at <= ? AND (created_at < ? OR (created_at = ? AND id < ?)))",
                           bindings: [.text("t"), .text("t"), .text("t"), .text("r5")]))
        #expect(FilterCompiler.keysetPredicate(byID, after: SortCursor(values: [], id: "r5")) == nil)
    }

    @Test func sortValuesFollowSQLiteConversions() throws {
        let record = makeRecord(
            id: "r1", ownerId: nil, version: 7,
            data: ["t": true, "f": false, "o": ["b": 1, "a": [1.5, "x"]], "s": "a\u{0}b", "d": 2.5, "n": nil])
        let sort = try SortSpec.parse("t,f,o,s")
        #expect(SortSpec.sortValues(of: record, for: sort) == [.int(1), .int(0), .text(#"{"b":1,"a":[1.5,"x"]}"#), .text("a")])
        let more = try SortSpec.parse("d,n,missing,ownerId")
        #expect(SortSpec.sortValues(of: record, for: more) == [.double(2.5), .null, .null, .null])
        #expect(SortSpec.sortValues(of: record, for: try SortSpec.parse("version,-id")) == [.int(7), .text("r1")])
        #expect(SortCursor(record: record, sort: .default) == SortCursor(values: [.text("2024-01-01T00:00:00.000Z")], id: "r1"))
        #expect(SortCursor(record: ["x": 1], sort: .default) == nil)
    }

    @Test func fingerprintsAreStableAndNormalised() throws {
        let a = try Filter.parse("(a = 1) && b ~ 'X'")
        let b = try Filter.parse("a=1&&b~\"X\"")
        let fingerprint = QueryFingerprint.of(filter: a, sort: .default)
        #expect(fingerprint == QueryFingerprint.of(filter: b, sort: try SortSpec.parse(" -createdAt ")))
        #expect(fingerprint.count == 16 && fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
        // A fixed value: the same in every process (no seeded hashing).
        #expect(QueryFingerprint.of(filter: nil, sort: .default) == QueryFingerprint.of(filter: nil, sort: .default))
        #expect(QueryFingerprint.of(filter: nil, sort: .default) == "\(Self.expectedEmptyDefault)")
        #expect(try QueryFingerprint.of(filter: Filter.parse("a = 1e2"), sort: .default)
            == QueryFingerprint.of(filter: Filter.parse("a = 100.0"), sort: .default))
        let different = [
            QueryFingerprint.of(filter: a, sort: try SortSpec.parse("createdAt")),
            QueryFingerprint.of(filter: try Filter.parse("a = 1 && b ~ 'x'"), sort: .default),
            QueryFingerprint.of(filter: try Filter.parse("a = 1.0 && b ~ 'X'"), sort: .default),
            QueryFingerprint.of(filter: nil, sort: .default),
            QueryFingerprint.of(filter: a, sort: .default, scope: "app1/items"),
        ]
        #expect(Set(different + [fingerprint]).count == different.count + 1)
    }

    static let expectedEmptyDefault = referenceFNV("appbase-query-v1\u{0}\u{0}filter:\u{0}sort:-createdAt")

    /// An independent FNV-1a 64 implementation for the pinned value.
    static func referenceFNV(_ text: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
