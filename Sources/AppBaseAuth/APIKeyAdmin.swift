import AppBaseCore
import AppBaseSQLite
import AppBaseRuntime

/// API key management: the one code path for creating, listing and revoking an app's keys, shared by
/// the CLI (`appbase keys create|list|revoke`, through `AppKeyAdministration`) and the admin routes
/// (`/admin/api-keys`).
///
/// The `on:` functions do the work on a connection the caller holds inside a write (the server's
/// writer for the routes) or opened for the call (the CLI, see the `databasePath:` wrappers). Every
/// change commits in one transaction that also bumps `auth_meta.keys_generation`.
///
/// The CLI's wrappers open their own connection (WAL, `busy_timeout`), apply the auth migrations if
/// the database is new, and close it; a running server learns of their changes when the platform
/// calls `AuthService.reloadKeys()` (after the CLI's notification over the control socket), and its
/// periodic upkeep reloads on a generation change as a safety net. The routes instead publish the
/// new key set to the snapshot right after their commit. Audit events are published by the caller
/// (`AuthAuditAction.keyCreated` / `.keyRevoked`): this type has no bus.
public enum APIKeyAdmin {
    /// Longest key name accepted.
    public static let maximumNameLength = 100

    /// How `revoke` finds its key.
    public enum Selector: Sendable, Hashable {
        /// The key id exactly (the routes' `:id`).
        case id(String)
        /// The id, a display prefix (`hs_live_AbCd`) that starts exactly one key's, or a whole key (the CLI).
        case idOrPrefix(String)
    }

    // MARK: Shared by the CLI and the routes

    /// Creates a key on `connection`, which must be inside a transaction. Returns the key itself —
    /// shown once, never stored — and its record.
    /// - Throws: `APIKeyAdminError.invalidName`; SQLite errors.
    static func create(name: String, kind: Identity.KeyKind, now: Int64,
                       on connection: SQLiteConnection) throws -> (key: String, record: APIKeyRecord) {
        let trimmed = try validName(name)
        let key = OpaqueToken.generateAPIKey()
        let record = APIKeyRecord(id: Identifier.uuidV7(milliseconds: now), name: trimmed,
                                  prefix: OpaqueToken.displayPrefix(of: key), kind: kind, createdAt: now)
        try AuthStore.insertKey(record, digest: OpaqueToken.hash(key), on: connection)
        return (key, record)
    }

    /// Every key of the app, revoked ones included (unless `activeOnly`), oldest first.
    /// - Throws: SQLite errors.
    static func list(activeOnly: Bool = false, on connection: SQLiteConnection) throws -> [APIKeyRecord] {
        let records = try AuthStore.loadKeys(on: connection).keys.map(\.record)
        return activeOnly ? records.filter(\.isActive) : records
    }

    /// Revokes the key `selector` names, on `connection`, which must be inside a transaction.
    /// Revoking a revoked key changes nothing and returns its record.
    /// - Throws: `APIKeyAdminError.notFound` / `.ambiguous`; SQLite errors.
    static func revoke(_ selector: Selector, now: Int64, on connection: SQLiteConnection) throws -> APIKeyRecord {
        try revokeReporting(selector, now: now, on: connection).record
    }

    /// `revoke`, also saying whether this call revoked the key (false: it was revoked already).
    private static func revokeReporting(_ selector: Selector, now: Int64,
                                        on connection: SQLiteConnection) throws -> (record: APIKeyRecord, revokedNow: Bool) {
        let candidates: [StoredAPIKey]
        switch selector {
        case .id(let id):
            candidates = try AuthStore.keys(matching: id, on: connection).filter { $0.record.id == id }
            guard !candidates.isEmpty else { throw APIKeyAdminError.notFound(id) }
        case .idOrPrefix(let idOrPrefix):
            let isWholeKey = OpaqueToken.isWellFormedAPIKey(idOrPrefix)
            // Error messages echo what was given, so a whole key is cut to its display prefix there.
            let shown = isWholeKey ? OpaqueToken.displayPrefix(of: idOrPrefix) + "…" : idOrPrefix
            guard !idOrPrefix.isEmpty else { throw APIKeyAdminError.notFound(shown) }
            let matches = isWholeKey
                ? try AuthStore.keys(digest: OpaqueToken.hash(idOrPrefix), on: connection)
                : try AuthStore.keys(matching: idOrPrefix, on: connection)
            let exact = matches.filter { $0.record.id == idOrPrefix }
            candidates = exact.isEmpty ? matches : exact
            guard !candidates.isEmpty else { throw APIKeyAdminError.notFound(shown) }
            guard candidates.count == 1 else { throw APIKeyAdminError.ambiguous(shown, matches: candidates.count) }
        }
        var record = candidates[0].record
        guard record.revokedAt == nil else { return (record, false) }
        try AuthStore.revokeKey(id: record.id, now: now, on: connection)
        record.revokedAt = now
        return (record, true)
    }

    // MARK: The CLI's entry points (own connection, server running or not)

    /// Creates a key. Returns the key itself — shown once, never stored — and its record.
    /// - Parameter alsoInTransaction: runs with the new record inside the same transaction (the
    ///   platform appends the audit entry there); what it throws rolls the key back.
    /// - Throws: `APIKeyAdminError.invalidName`; SQLite errors.
    public static func create(databasePath: String, name: String, kind: Identity.KeyKind, clock: any WallClock,
                              alsoInTransaction: (APIKeyRecord, SQLiteConnection) throws -> Void = { _, _ in })
        throws -> (key: String, record: APIKeyRecord) {
        _ = try validName(name)
        let connection = try open(databasePath)
        let now = clock.nowMilliseconds()
        return try connection.transaction(.immediate) {
            let created = try create(name: name, kind: kind, now: now, on: connection)
            try alsoInTransaction(created.record, connection)
            return created
        }
    }

    /// Every key of the app, revoked ones included, oldest first.
    /// - Throws: SQLite errors.
    public static func list(databasePath: String) throws -> [APIKeyRecord] {
        try list(on: try open(databasePath))
    }

    /// Revokes the key whose id is `idOrPrefix`, or whose display prefix (`hs_live_AbCd`) starts with it,
    /// or — when given a whole key — that key. Revoking a revoked key changes nothing and returns its record.
    /// - Throws: `APIKeyAdminError.notFound` / `.ambiguous`; SQLite errors.
    /// - Parameter alsoInTransaction: as for `create`, with the record and whether this call revoked
    ///   it (false when it was revoked already, which changes nothing).
    public static func revoke(databasePath: String, idOrPrefix: String, clock: any WallClock,
                              alsoInTransaction: (APIKeyRecord, _ revokedNow: Bool, SQLiteConnection) throws -> Void
                                  = { _, _, _ in }) throws -> APIKeyRecord {
        if idOrPrefix.isEmpty { throw APIKeyAdminError.notFound("") }
        let connection = try open(databasePath)
        let now = clock.nowMilliseconds()
        return try connection.transaction(.immediate) {
            let (record, revokedNow) = try revokeReporting(.idOrPrefix(idOrPrefix), now: now, on: connection)
            try alsoInTransaction(record, revokedNow, connection)
            return record
        }
    }

    /// Opens the database for writing (creating it if needed), in WAL mode, and migrates the auth schema.
    private static func open(_ path: String) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        try connection.execute("PRAGMA busy_timeout = 5000")
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("PRAGMA foreign_keys = ON")
        try Migrator.migrate(connection, namespace: AuthService.migrations.namespace, AuthService.migrations.migrations)
        return connection
    }

    /// The trimmed name, checked against the rules every key name follows (master keys too).
    package static func validName(_ name: String) throws(APIKeyAdminError) -> String {
        var trimmed = Substring(name)
        while let first = trimmed.first, first.isWhitespace { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty, trimmed.count <= maximumNameLength,
              !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidName
        }
        return String(trimmed)
    }
}

/// Why a key command failed (messages name the argument, never a key).
public enum APIKeyAdminError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The name is empty, longer than `APIKeyAdmin.maximumNameLength` or has control characters.
    case invalidName
    /// No key has that id or prefix.
    case notFound(String)
    /// Several keys have that prefix: give more characters, or the id.
    case ambiguous(String, matches: Int)

    /// A one-line message for the CLI.
    public var description: String {
        switch self {
        case .invalidName:
            return "key name must be 1 to \(APIKeyAdmin.maximumNameLength) characters without control characters"
        case .notFound(let text):
            return "no API key with id or prefix \"\(text)\""
        case .ambiguous(let text, let count):
            return "\(count) API keys match \"\(text)\"; give the id or a longer prefix"
        }
    }
}
