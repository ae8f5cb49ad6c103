import AppBaseCore
import AppBaseSQLite

/// The auth tables' SQL, one function per query shape (each prepared once per connection by the
/// statement cache). Functions take the connection they run on: readers for lookups, the writer's
/// connection inside `DatabaseWriter.write` for changes. Nothing here decides policy.
enum AuthStore {
    private static let userColumns = "id, email, created_at, updated_at, disabled_at"

    private static func user(_ row: SQLiteStatement, offset: Int32 = 0) -> AuthUser {
        AuthUser(id: row.text(offset), email: row.text(offset + 1), createdAt: row.int64(offset + 2),
                 updatedAt: row.int64(offset + 3), disabledAt: row.isNull(offset + 4) ? nil : row.int64(offset + 4))
    }

    // MARK: Users

    /// The user with `email` (normalised) and the stored hash, or nil.
    static func credentials(email: String, on connection: SQLiteConnection) throws -> UserCredentials? {
        try connection.queryOne("SELECT \(userColumns), password_hash FROM auth_users WHERE email = ?", [.text(email)]) {
            UserCredentials(user: user($0), passwordHash: $0.text(5))
        }
    }

    /// The user with `id`, or nil.
    static func user(id: String, on connection: SQLiteConnection) throws -> AuthUser? {
        try connection.queryOne("SELECT \(userColumns) FROM auth_users WHERE id = ?", [.text(id)]) { user($0) }
    }

    /// The user with `email` (normalised), or nil.
    static func user(email: String, on connection: SQLiteConnection) throws -> AuthUser? {
        try connection.queryOne("SELECT \(userColumns) FROM auth_users WHERE email = ?", [.text(email)]) { user($0) }
    }

    /// Up to `limit` users with ids after `after` (ids are UUIDv7, so this is creation order).
    static func users(after: String, limit: Int, on connection: SQLiteConnection) throws -> [AuthUser] {
        try connection.query("SELECT \(userColumns) FROM auth_users WHERE id > ? ORDER BY id LIMIT ?",
                             [.text(after), .integer(Int64(limit))]) { user($0) }
    }

    /// Inserts a user; nil when the email is taken (the unique index decides, so two concurrent
    /// registrations cannot both win).
    static func insertUser(_ user: AuthUser, passwordHash: String, on connection: SQLiteConnection) throws -> AuthUser? {
        do {
            try connection.run("""
                INSERT INTO auth_users (id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                """, [.text(user.id), .text(user.email), .text(passwordHash), .integer(user.createdAt), .integer(user.updatedAt)])
            return user
        } catch let error as SQLiteError where error.isConstraintViolation {
            return nil
        }
    }

    /// Replaces a user's password hash; returns whether the user exists.
    @discardableResult
    static func setPasswordHash(_ hash: String, userID: String, now: Int64, on connection: SQLiteConnection) throws -> Bool {
        try connection.run("UPDATE auth_users SET password_hash = ?, updated_at = ? WHERE id = ?",
                           [.text(hash), .integer(now), .text(userID)]) == 1
    }

    /// Disables (at `now`) or enables a user; returns the updated user, or nil when there is none.
    static func setDisabled(_ disabled: Bool, userID: String, now: Int64, on connection: SQLiteConnection) throws -> AuthUser? {
        try connection.run("""
            UPDATE auth_users SET disabled_at = CASE WHEN ? THEN COALESCE(disabled_at, ?) ELSE NULL END, updated_at = ?
            WHERE id = ?
            """, [.integer(disabled ? 1 : 0), .integer(now), .integer(now), .text(userID)])
        return try user(id: userID, on: connection)
    }

    /// Ids of every disabled user (snapshot load).
    static func disabledUserIDs(on connection: SQLiteConnection) throws -> [String] {
        try connection.query("SELECT id FROM auth_users WHERE disabled_at IS NOT NULL") { $0.text(0) }
    }

    // MARK: Metadata

    /// A named integer from `auth_meta` (0 when absent).
    static func meta(_ name: String, on connection: SQLiteConnection) throws -> Int64 {
        try connection.queryOne("SELECT value FROM auth_meta WHERE name = ?", [.text(name)]) { $0.int64(0) } ?? 0
    }

    /// Adds one to `keys_generation`; call in the transaction that changes a key.
    static func bumpKeysGeneration(on connection: SQLiteConnection) throws {
        try connection.run("""
            INSERT INTO auth_meta (name, value) VALUES ('keys_generation', 1)
            ON CONFLICT (name) DO UPDATE SET value = value + 1
            """)
    }
}
