import AppBaseCore
import AppBaseSQLite

extension AuthStore {
    private static let keyColumns = "id, name, prefix, kind, created_at, last_used_at, revoked_at, key_hash"

    private static func storedKey(_ row: SQLiteStatement) -> StoredAPIKey {
        StoredAPIKey(
            record: APIKeyRecord(
                id: row.text(0), name: row.text(1), prefix: row.text(2),
                kind: Identity.KeyKind(rawValue: row.text(3)) ?? .client, createdAt: row.int64(4),
                lastUsedAt: row.isNull(5) ? nil : row.int64(5), revokedAt: row.isNull(6) ? nil : row.int64(6)),
            digest: row.blob(7))
    }

    /// Every key (revoked ones too) with the key-set generation, read in one transaction.
    static func loadKeys(on connection: SQLiteConnection) throws -> (generation: Int64, keys: [StoredAPIKey]) {
        try connection.transaction { try keySet(on: connection) }
    }

    /// Every key with the key-set generation, inside a transaction the caller holds (a write that
    /// just changed a key reads the set it will publish after the commit).
    static func keySet(on connection: SQLiteConnection) throws -> (generation: Int64, keys: [StoredAPIKey]) {
        let generation = try meta("keys_generation", on: connection)
        let keys = try connection.query("SELECT \(keyColumns) FROM auth_api_keys ORDER BY id") { storedKey($0) }
        return (generation, keys)
    }

    /// Keys whose id equals `idOrPrefix` or whose display prefix starts with it.
    static func keys(matching idOrPrefix: String, on connection: SQLiteConnection) throws -> [StoredAPIKey] {
        try connection.query("""
            SELECT \(keyColumns) FROM auth_api_keys WHERE id = ?1 OR substr(prefix, 1, length(?1)) = ?1 ORDER BY id
            """, [.text(idOrPrefix)]) { storedKey($0) }
    }

    /// The key whose SHA-256 is `digest` (zero or one).
    static func keys(digest: [UInt8], on connection: SQLiteConnection) throws -> [StoredAPIKey] {
        try connection.query("SELECT \(keyColumns) FROM auth_api_keys WHERE key_hash = ?", [.blob(digest)]) { storedKey($0) }
    }

    /// Inserts a new key and bumps the key-set generation.
    static func insertKey(_ record: APIKeyRecord, digest: [UInt8], on connection: SQLiteConnection) throws {
        try connection.run("""
            INSERT INTO auth_api_keys (id, name, prefix, key_hash, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, [.text(record.id), .text(record.name), .text(record.prefix), .blob(digest),
                  .text(record.kind.rawValue), .integer(record.createdAt)])
        try bumpKeysGeneration(on: connection)
    }

    /// Revokes a key at `now` (kept for listings) and bumps the key-set generation.
    static func revokeKey(id: String, now: Int64, on connection: SQLiteConnection) throws {
        try connection.run("UPDATE auth_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                           [.integer(now), .text(id)])
        try bumpKeysGeneration(on: connection)
    }

    /// Writes flushed `lastUsedAt` values (never moving one backwards); not a key change.
    static func recordKeyUse(id: String, at millis: Int64, on connection: SQLiteConnection) throws {
        try connection.run("UPDATE auth_api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
                           [.integer(millis), .text(id)])
    }
}
