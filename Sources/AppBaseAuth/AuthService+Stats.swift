import AppBaseRuntime
import AppBaseSQLite

extension AuthService {
    /// How many users the app has (for the platform's `GET /admin/stats`), read on a reader.
    /// - Throws: SQLite errors; `server_busy` when the readers are saturated.
    public func userCount() async throws -> Int {
        try await environment.readers.read { connection in
            try connection.queryOne("SELECT count(*) FROM auth_users") { Int($0.int64(0)) } ?? 0
        }
    }
}
