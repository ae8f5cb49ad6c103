import AppBaseCore
import Testing

@testable import AppBaseQuery

/// Checks that the in-memory evaluator, sort values and keyset cursors agree exactly with SQLite
/// running the compiled SQL, over deterministic random records and queries.
@Suite("Differential: evaluator and cursors vs SQLite")
struct DifferentialTests {
    static let recordCount = 300

    /// Records plus a database holding them.
    struct Fixture {
        let database: InMemoryDatabase
        let records: [JSONValue]
        let byID: [String: JSONValue]

        init(seed: UInt64) throws {
            var generator = RandomQueries(seed: seed)
            records = generator.records(count: DifferentialTests.recordCount)
            database = try InMemoryDatabase()
            try database.createRecordsTable()
            var byID: [String: JSONValue] = [:]
            for record in records {
                try database.insert(record: record)
                if case .string(let id) = record["id"] { byID[id] = record }
            }
            self.byID = byID
        }

        func id(of record: JSONValue) -> String {
            if case .string(let id) = record["id"] { return id }
            return ""
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func filtersAgreeWithSQLite(seed: UInt64) throws {
        let fixture = try Fixture(seed: seed)
        var generator = RandomQueries(seed: seed &* 7919)
        var nonTrivial = 0
        var checked = 0
        for _ in 0..<400 {
            let text = generator.filterText()
            let filter = try Filter.parse(text)
            let sql = FilterCompiler.sql(for: filter)
            let expected = try fixture.database.ids(where: sql)
            let actual = fixture.records.filter { FilterEvaluator.matches(filter, record: $0) }.map(fixture.id(of:)).sorted()
            if expected != actual {
                let missing = Set(expected).subtracting(actual).sorted().prefix(3)
                let extra = Set(actual).subtracting(expected).sorted().prefix(3)
                let samples = (missing + extra).compactMap { fixture.byID[$0]?.jsonText }
                Issue.record("\(text)\nSQL: \(sql.sql) \(sql.bindings)\nSQLite only: \(missing) evaluator only: \(extra)\n\(samples.joined(separator: "\n"))")
            }
            // The canonical text parses back to the same filter.
            #expect(try Filter.parse(filter.canonicalText) == filter, "\(text)")
            if !expected.isEmpty && expected.count < fixture.records.count { nonTrivial += 1 }
            checked += 1
        }
        #expect(checked == 400)
        // The generator must exercise real selections, not just all-or-nothing.
        #expect(nonTrivial > 200, "only \(nonTrivial) filters selected a proper subset")
    }

    @Test(arguments: [UInt64(11), 12])
    func sortValuesOrderAndKeysetPagesAgreeWithSQLite(seed: UInt64) throws {
        let fixture = try Fixture(seed: seed)
        var generator = RandomQueries(seed: seed &* 104_729)
        for round in 0..<60 {
            let sort = try SortSpec.parse(generator.sortText())
            let filter: Filter? = round % 3 == 0 ? nil : try Filter.parse(generator.filterText(depth: 2))
            let condition = filter.map(FilterCompiler.sql(for:)) ?? .alwaysTrue
            let orderBy = FilterCompiler.orderBy(sort)
            let keyColumns = sort.keys.map { FilterCompiler.sqlExpression(forPath: $0.path) }.joined(separator: ", ")
            let rows = try fixture.database.query(
                "SELECT id, \(keyColumns) FROM records WHERE \(condition.sql) ORDER BY \(orderBy)", condition.bindings)
            let expectedIDs = rows.map { row -> String in
                if case .text(let id) = row[0] { return id }
                return ""
            }
            let context = "sort \(sort) filter \(filter?.canonicalText ?? "-")"

            // Sort values equal what SQLite computes for the ORDER BY expressions.
            for row in rows {
                guard case .text(let id) = row[0], let record = fixture.byID[id] else {
                    Issue.record("unknown row \(row)")
                    continue
                }
                let values = SortSpec.sortValues(of: record, for: sort)
                if values != Array(row.dropFirst()) {
                    Issue.record("\(context): \(id) sortValues \(values) but SQLite \(Array(row.dropFirst()))")
                }
            }

            // The in-memory order is the ORDER BY order.
            let inMemory = fixture.records
                .filter { record in filter.map { FilterEvaluator.matches($0, record: record) } ?? true }
                .sorted(by: sort.areInIncreasingOrder)
                .map(fixture.id(of:))
            #expect(inMemory == expectedIDs, "\(context)")

            // Paging with the keyset predicate yields exactly the full sequence.
            let pageSize = 1 + round % 9
            var paged: [String] = []
            var cursor: SortCursor?
            var pages = 0
            while pages <= fixture.records.count {
                var parts = [condition]
                if let cursor {
                    guard let predicate = FilterCompiler.keysetPredicate(sort, after: cursor) else {
                        Issue.record("no predicate for \(cursor)")
                        break
                    }
                    parts.append(predicate)
                }
                let page = try fixture.database.ids(where: SQLFragment.conjunction(parts), orderBy: orderBy, limit: pageSize)
                paged += page
                pages += 1
                guard page.count == pageSize, let last = page.last, let record = fixture.byID[last] else { break }
                cursor = SortCursor(record: record, sort: sort)
            }
            #expect(paged == expectedIDs, "\(context) page size \(pageSize)")
        }
    }

    @Test func cursorsAcrossNullsAndTies() throws {
        let records: [JSONValue] = [
            makeRecord(id: "a", data: ["p": 1]), makeRecord(id: "b", data: [:]), makeRecord(id: "c", data: ["p": nil]),
            makeRecord(id: "d", data: ["p": "x"]), makeRecord(id: "e", data: ["p": 1.0]), makeRecord(id: "f", data: ["p": true]),
            makeRecord(id: "g", data: ["p": ["q": 1]]), makeRecord(id: "h", data: ["p": [1]]), makeRecord(id: "i", data: [:]),
        ]
        let database = try InMemoryDatabase()
        try database.createRecordsTable()
        for record in records { try database.insert(record: record) }
        for text in ["p", "-p", "p,-id", "-p,id", "-p,-createdAt", "id"] {
            let sort = try SortSpec.parse(text)
            let expected = try database.ids(where: .alwaysTrue, orderBy: FilterCompiler.orderBy(sort))
            for pageSize in 1...3 {
                var paged: [String] = []
                var cursor: SortCursor?
                while true {
                    let parts = [SQLFragment.alwaysTrue] + (cursor.flatMap { FilterCompiler.keysetPredicate(sort, after: $0) }.map { [$0] } ?? [])
                    let page = try database.ids(where: .conjunction(parts), orderBy: FilterCompiler.orderBy(sort), limit: pageSize)
                    paged += page
                    guard page.count == pageSize, let last = page.last,
                        let record = records.first(where: { $0["id"] == .string(last) })
                    else { break }
                    cursor = SortCursor(record: record, sort: sort)
                }
                #expect(paged == expected, "\(text) page \(pageSize)")
            }
        }
        #expect(try database.ids(where: .alwaysTrue, orderBy: FilterCompiler.orderBy(try SortSpec.parse("p")))
            == ["b", "c", "i", "a", "e", "f", "h", "d", "g"])
    }
}
