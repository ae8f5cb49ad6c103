import AppBaseSQLite
import Foundation
import Testing

/// Prepared statements are found again by their text in the connection's cache (emptied at 256
/// entries, and by `clearStatementCache` after schema changes).
@Suite struct StatementCacheTests {
    @Test("cached statements and ones prepared anew (past 256 texts, after a schema change) answer for their own text")
    func statementsAnswerForTheirOwnText() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stmt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = try SQLiteConnection(path: directory.appendingPathComponent("db.sqlite").path, mode: .readWrite)
        try connection.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
        for k in 0..<300 { _ = try connection.run("INSERT INTO t (k, v) VALUES (?, ?)", [.integer(Int64(k)), .text("v\(k)")]) }
        // 300 distinct texts (past the cache's 256), each asked for twice, interleaved with a fixed one.
        let fixed = "SELECT count(*) FROM t"
        for round in 0..<2 {
            for k in 0..<300 {
                let sql = "SELECT v FROM t WHERE k = \(k)"
                #expect(try connection.queryOne(sql) { $0.text(0) } == "v\(k)", "round \(round) k \(k)")
                #expect(try connection.queryOne(fixed) { $0.int64(0) } == 300)
            }
        }
        // Same text, new schema: the statements are prepared again against it.
        connection.clearStatementCache()
        try connection.execute("ALTER TABLE t ADD COLUMN w TEXT DEFAULT 'w'")
        #expect(try connection.queryOne("SELECT * FROM t WHERE k = 7") { $0.text(2) } == "w")
        #expect(try connection.queryOne(fixed) { $0.int64(0) } == 300)
    }
}
