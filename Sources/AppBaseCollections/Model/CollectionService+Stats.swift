import AppBaseRuntime
import AppBaseSQLite

extension CollectionService {
    /// Every collection's name and record count, in name order (for the platform's `GET /admin/stats`).
    /// One count per collection over the `(collection, created_at, id)` index, on a reader.
    /// - Throws: SQLite errors; `server_busy` when the readers are saturated.
    public func recordCounts() async throws -> [(name: String, records: Int)] {
        try await environment.readers.read { connection in
            try connection.query("""
                SELECT c.name, (SELECT count(*) FROM records r WHERE r.collection = c.name) FROM collections c ORDER BY c.name
                """) { (name: $0.text(0), records: Int($0.int64(1))) }
        }
    }
}
