import AppBaseCore
import AppBaseSQLite
import AppBaseRuntime

/// API key management straight on an app's `app.sqlite`, for the CLI (`appbase keys create|list|revoke`),
/// whether or not the server runs.
///
/// Each call opens its own connection (WAL, `busy_timeout`), applies the auth migrations if the
/// database is new, and closes it. Changes commit in one transaction that also bumps
/// `auth_meta.keys_generation`. A running server learns of them when the platform calls
/// `AuthService.reloadKeys()` (after the CLI's notification over the control socket), and its periodic
/// upkeep reloads on a generation change as a safety net. The platform publishes the audit events
/// (`AuthAuditAction.keyCreated` / `.keyRevoked`): this type has no bus.
public enum APIKeyAdmin {
    /// Longest key name accepted.
    public static let maximumNameLength = 100

    /// Creates a key. Returns the key itself — shown once, never stored — and its record.
    /// - Throws: `APIKeyAdminError.invalidName`; SQLite errors.
    public static func create(databasePath: String, name: String, kind: Identity.KeyKind,
                              clock: any WallClock) throws -> (key: String, record: APIKeyRecord) {
        let trimmed = try validName(name)
        let connection = try open(databasePath)
        let key = OpaqueToken.generateAPIKey()
        let now = clock.nowMilliseconds()
        let record = APIKeyRecord(id: Identifier.uuidV7(milliseconds: now), name: trimmed,
                                  prefix: OpaqueToken.displayPrefix(of: key), kind: kind, createdAt: now)
        try connection.transaction(.immediate) {
            try AuthStore.insertKey(record, digest: OpaqueToken.hash(key), on: connection)
        }
        return (key, record)
    }

    /// Every key of the app, revoked ones included, oldest first.
    /// - Throws: SQLite errors.
    public static func list(databasePath: String) throws -> [APIKeyRecord] {
        let connection = try open(databasePath)
        return try AuthStore.loadKeys(on: connection).keys.map(\.record)
    }

    /// Revokes the key whose id is `idOrPrefix`, or whose display prefix (`hs_live_AbCd`) starts with it,
    /// or — when given a whole key — that key. Revoking a revoked key changes nothing and returns its record.
    /// - Throws: `APIKeyAdminError.notFound` / `.ambiguous`; SQLite errors.
    public static func revoke(databasePath: String, idOrPrefix: String, clock: any WallClock) throws -> APIKeyRecord {
        let isWholeKey = OpaqueToken.isWellFormedAPIKey(idOrPrefix)
        // Error messages echo what was given, so a whole key is cut to its display prefix there.
        let shown = isWholeKey ? OpaqueToken.displayPrefix(of: idOrPrefix) + "…" : idOrPrefix
        guard !idOrPrefix.isEmpty else { throw APIKeyAdminError.notFound(shown) }
        let connection = try open(databasePath)
        let now = clock.nowMilliseconds()
        return try connection.transaction(.immediate) {
            let matches = isWholeKey
                ? try AuthStore.keys(digest: OpaqueToken.hash(idOrPrefix), on: connection)
                : try AuthStore.keys(matching: idOrPrefix, on: connection)
            let exact = matches.filter { $0.record.id == idOrPrefix }
            let candidates = exact.isEmpty ? matches : exact
            guard let target = candidates.first else { throw APIKeyAdminError.notFound(shown) }
            guard candidates.count == 1 else { throw APIKeyAdminError.ambiguous(shown, matches: candidates.count) }
            var record = target.record
            if record.revokedAt == nil {
                try AuthStore.revokeKey(id: record.id, now: now, on: connection)
                record.revokedAt = now
            }
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
