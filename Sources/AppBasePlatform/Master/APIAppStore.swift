import AppBaseCore
import AppBaseSQLite

/// The apps created through the control plane, kept in `master.sqlite` (`api_apps`) so they
/// come back after a restart. The config file names the others; a name in both is refused at
/// start (see docs/adr/0017-app-registry.md).
enum APIAppStore {
    /// One persisted app: its name and the port asked for at creation (nil: assigned).
    struct Row: Sendable, Hashable {
        let name: String
        let port: Int?
    }

    static func list(_ database: DatabaseWriter) async throws -> [Row] {
        try await database.withConnection { connection in
            try connection.query("SELECT name, port FROM api_apps ORDER BY name") {
                Row(name: $0.text(0), port: $0.isNull(1) ? nil : Int($0.int64(1)))
            }
        }
    }

    static func insert(_ row: Row, at millis: Int64, into database: DatabaseWriter) async throws {
        try await database.write { context in
            try context.connection.run("INSERT INTO api_apps (name, port, created_at) VALUES (?, ?, ?)",
                                       [.text(row.name), row.port.map { .integer(Int64($0)) } ?? .null, .integer(millis)])
        }
    }

    static func delete(_ name: String, from database: DatabaseWriter) async throws {
        try await database.write { context in
            try context.connection.run("DELETE FROM api_apps WHERE name = ?", [.text(name)])
        }
    }
}
