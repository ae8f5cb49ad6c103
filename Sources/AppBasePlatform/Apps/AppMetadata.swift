import AppBaseCore
import AppBaseSQLite

/// The platform's own table in each app database: the app's master secret, generated once
/// at provisioning (services derive purpose-specific keys from it).
enum AppMetadata {
    static let migrations = [
        Migration(version: 1, name: "app_meta", sql: """
            CREATE TABLE app_meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
            """),
    ]

    /// Reads the master secret, creating it on first start.
    static func masterSecret(writer: DatabaseWriter) async throws -> [UInt8] {
        try await writer.write { context in
            if let existing = try context.connection.queryOne("SELECT value FROM app_meta WHERE key = 'master_secret'", row: { $0.blob(0) }),
               existing.count == 32 {
                return existing
            }
            var generator = SystemRandomNumberGenerator()
            var secret = [UInt8](repeating: 0, count: 32)
            for index in secret.indices { secret[index] = generator.next() }
            try context.connection.run("INSERT OR REPLACE INTO app_meta (key, value) VALUES ('master_secret', ?)", [.blob(secret)])
            return secret
        }
    }
}
