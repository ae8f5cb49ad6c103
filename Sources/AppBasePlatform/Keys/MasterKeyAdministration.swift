import AppBaseAuth
import AppBaseCore
import AppBaseSQLite

/// The master keys that authenticate the control plane (`/api/*`), managed by
/// `appbase keys create|list|revoke --master`. They live in `master.sqlite` (`master_keys`),
/// stored as SHA-256 digests; the key itself is shown once. Generation, hashing, display
/// prefixes, name rules, records and errors are the app keys' own (`OpaqueToken`,
/// `APIKeyAdmin.validName`, `APIKeyRecord`, `APIKeyAdminError`): only the table differs.
///
/// The control plane looks a key up on each request (no cache), so a revoke applies to the
/// very next request without any notification.
public enum MasterKeyAdministration {
    private static let columns = "id, name, prefix, created_at, revoked_at"

    /// Creates a master key; returns its secret (shown once) and its summary.
    /// - Throws: `APIKeyAdminError.invalidName`; SQLite errors.
    public static func create(dataDirectory: String, name: String,
                              clock: any WallClock = SystemWallClock()) async throws -> (key: String, summary: AppKeyAdministration.Summary) {
        let trimmed = try APIKeyAdmin.validName(name)
        let key = OpaqueToken.generateAPIKey()
        let now = clock.nowMilliseconds()
        let record = APIKeyRecord(id: Identifier.uuidV7(milliseconds: now), name: trimmed,
                                  prefix: OpaqueToken.displayPrefix(of: key), kind: .admin, createdAt: now)
        let digest = OpaqueToken.hash(key)
        try await withMaster(dataDirectory) { database in
            try await database.write { context in
                try context.connection.run("""
                    INSERT INTO master_keys (id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)
                    """, [.text(record.id), .text(record.name), .text(record.prefix), .blob(digest), .integer(now)])
            }
        }
        return (key, AppKeyAdministration.Summary.master(record))
    }

    /// Every master key, revoked ones included, oldest first.
    public static func list(dataDirectory: String) async throws -> [AppKeyAdministration.Summary] {
        try await withMaster(dataDirectory) { database in
            try await database.withConnection { connection in
                try connection.query("SELECT \(columns) FROM master_keys ORDER BY id") { record($0) }
            }
        }.map(AppKeyAdministration.Summary.master)
    }

    /// Revokes the master key whose id is `idOrPrefix`, whose display prefix starts with it, or
    /// which it is. Revoking a revoked key changes nothing.
    /// - Throws: `APIKeyAdminError.notFound` / `.ambiguous`; SQLite errors.
    public static func revoke(dataDirectory: String, idOrPrefix: String,
                              clock: any WallClock = SystemWallClock()) async throws -> AppKeyAdministration.Summary {
        let isWholeKey = OpaqueToken.isWellFormedAPIKey(idOrPrefix)
        let shown = isWholeKey ? OpaqueToken.displayPrefix(of: idOrPrefix) + "…" : idOrPrefix
        guard !idOrPrefix.isEmpty else { throw APIKeyAdminError.notFound(shown) }
        let digest = isWholeKey ? OpaqueToken.hash(idOrPrefix) : []
        let now = clock.nowMilliseconds()
        let revoked = try await withMaster(dataDirectory) { database in
            try await database.write { context -> APIKeyRecord in
                let connection = context.connection
                let matches = isWholeKey
                    ? try connection.query("SELECT \(columns) FROM master_keys WHERE key_hash = ?", [.blob(digest)]) { record($0) }
                    : try connection.query("""
                        SELECT \(columns) FROM master_keys WHERE id = ?1 OR substr(prefix, 1, length(?1)) = ?1 ORDER BY id
                        """, [.text(idOrPrefix)]) { record($0) }
                let exact = matches.filter { $0.id == idOrPrefix }
                let candidates = exact.isEmpty ? matches : exact
                guard var target = candidates.first else { throw APIKeyAdminError.notFound(shown) }
                guard candidates.count == 1 else { throw APIKeyAdminError.ambiguous(shown, matches: candidates.count) }
                if target.revokedAt == nil {
                    try connection.run("UPDATE master_keys SET revoked_at = ? WHERE id = ?", [.integer(now), .text(target.id)])
                    target.revokedAt = now
                }
                return target
            }
        }
        return AppKeyAdministration.Summary.master(revoked)
    }

    /// Whether `key` is an active master key, looked up by its digest in `database`.
    static func isActive(_ key: String, in database: DatabaseWriter) async throws -> Bool {
        guard OpaqueToken.isWellFormedAPIKey(key) else { return false }
        let digest = OpaqueToken.hash(key)
        return try await database.withConnection { connection in
            try connection.queryOne("SELECT 1 FROM master_keys WHERE key_hash = ? AND revoked_at IS NULL", [.blob(digest)]) { _ in true }
        } ?? false
    }

    private static func record(_ row: SQLiteStatement) -> APIKeyRecord {
        APIKeyRecord(id: row.text(0), name: row.text(1), prefix: row.text(2), kind: .admin, createdAt: row.int64(3),
                     revokedAt: row.isNull(4) ? nil : row.int64(4))
    }

    /// Opens (and migrates) `master.sqlite` for one CLI command, whether or not a server runs
    /// (WAL, busy timeout), and closes it again.
    @discardableResult
    private static func withMaster<T: Sendable>(_ dataDirectory: String,
                                                _ body: (DatabaseWriter) async throws -> T) async throws -> T {
        try DataDirectory.create(dataDirectory)
        try DataDirectory.checkOwnedByThisUser(dataDirectory)
        let database = try await MasterDatabase.open(path: "\(dataDirectory)/master.sqlite")
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}
