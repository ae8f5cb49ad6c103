import AppBaseCore
@testable import AppBaseCollections
import AppBaseSQLite
import OrderedCollections
import Testing

/// A list page's records: the assembled fast path writes exactly what the field-by-field path
/// writes, for every shape of row, and the result is the record as JSON.
@Suite struct RecordJSONTests {
    /// (id, ownerId, createdAt, updatedAt, version, data)
    typealias Row = (String, String?, String, String, Int64, String)

    static let rows: [Row] = [
        ("r1", "u1", "2026-12-05T04:09:48.882Z", "2026-12-05T04:09:48.883Z", 1, #"{"title":"a","n":1}"#),
        ("r2", nil, "2026-12-05T04:09:48.882Z", "2026-12-05T04:09:48.882Z", 7, #"{"n":2}"#),
        ("r3", "u1", "t", "t", 10, "{}"),
        ("r4", "u1", "t", "t", 0, #"{"x":null}"#),
        ("r5", "u1", "t", "t", Int64.max, #"{"x":1}"#),
        ("r6", "u1", "t", "t", -1, #"{"x":1}"#),
        ("r7", "u1", "t", "t", Int64.min, #"{"x":1}"#),
        // Fields that need escaping, or are not ASCII: the field-by-field path.
        (#"q"uote"#, "u1", "t", "t", 1, #"{"x":1}"#),
        ("r9", "ünïcode", "t", "t", 1, #"{"x":1}"#),
        ("r10", "u1", "t\n", "t", 1, #"{"x":1}"#),
        // Data that is not compact object text: re-encoded.
        ("r11", "u1", "t", "t", 1, "[1]"),
        ("r12", "u1", "t", "t", 1, "{"),
        // A long id and long data.
        (String(repeating: "i", count: 2_000), "u1", "t", "t", 123_456, "{\"big\":\"" + String(repeating: "b", count: 100_000) + "\"}"),
    ]

    private func render(_ row: Row, fast: Bool) throws -> [UInt8] {
        let connection = try SQLiteConnection(path: ":memory:", mode: .readWrite)
        let bindings: [SQLiteValue] = [.text(row.0), row.1.map(SQLiteValue.text) ?? .null, .text(row.2), .text(row.3),
                                       .integer(row.4), .text(row.5)]
        // A prefix of literal bytes, as a page has before its items.
        var out = Array("[".utf8)
        _ = try connection.query("SELECT ?, ?, ?, ?, ?, ?", bindings) { statement in
            if fast {
                RecordJSON.appendRow(statement, to: &out)
            } else {
                RecordJSON.appendRowFieldByField(statement, from: 0, to: &out)
            }
        }
        return out
    }

    @Test(arguments: rows.indices)
    func theAssembledRowIsWhatTheFieldByFieldPathWrites(_ index: Int) throws {
        let row = Self.rows[index]
        let fast = try render(row, fast: true)
        #expect(fast == (try render(row, fast: false)))
        #expect(fast.first == UInt8(ascii: "["))
        let parsed = try JSONParser.parse(Array(fast.dropFirst()), maxDepth: 64, keepingNumberText: true)
        guard case .object(let members) = parsed else {
            Issue.record("not an object: \(String(decoding: fast, as: UTF8.self).prefix(200))")
            return
        }
        #expect(members["id"] == .string(row.0))
        #expect(members["ownerId"] == (row.1.map(JSONValue.string) ?? .null))
        #expect(members["createdAt"] == .string(row.2))
        #expect(members["updatedAt"] == .string(row.3))
        #expect(members["version"].map { String(decoding: $0.serialized(), as: UTF8.self) } == String(row.4))
    }

    @Test(arguments: [0, 9, 10, 99, 100, -1, -10, Int64.max, Int64.min])
    func decimalDigitsAreWrittenExactly(_ value: Int64) {
        var buffer = [UInt8](repeating: 0, count: 24)
        let count = buffer.withUnsafeMutableBufferPointer { SystemFieldsHead.writeDecimal(value, into: $0) }
        #expect(count == SystemFieldsHead.decimalDigits(value))
        #expect(String(decoding: buffer[..<count], as: UTF8.self) == String(value))
    }
}
