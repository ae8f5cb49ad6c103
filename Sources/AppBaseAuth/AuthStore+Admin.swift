import AppBaseCore
import AppBaseSQLite

/// A user as the admin routes list it: the user, their last login and their active sessions.
struct AdminUserRow: Sendable {
    var user: AuthUser
    /// The creation time (ms) of the user's newest session: every login and registration makes one.
    var lastLoginAt: Int64?
    /// Sessions neither revoked nor expired.
    var activeSessions: Int
}

/// A login session as the admin routes show it.
struct AdminSessionRow: Sendable {
    var id: String
    var userID: String
    var createdAt: Int64
    /// The last refresh (the session's first token counts as one).
    var lastUsedAt: Int64
    var expiresAt: Int64
    var ip: String?
    var userAgent: String?
    var revokedAt: Int64?

    /// `{id,createdAt,lastUsedAt,expiresAt,ip,userAgent,revokedAt}` with RFC 3339 times.
    func json() -> JSONValue {
        [
            "id": .string(id),
            "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt)),
            "lastUsedAt": .string(Timestamp.rfc3339(milliseconds: lastUsedAt)),
            "expiresAt": .string(Timestamp.rfc3339(milliseconds: expiresAt)),
            "ip": ip.map(JSONValue.string) ?? .null,
            "userAgent": userAgent.map(JSONValue.string) ?? .null,
            "revokedAt": revokedAt.map { .string(Timestamp.rfc3339(milliseconds: $0)) } ?? .null,
        ]
    }
}

/// The admin routes' queries: user pages with their session figures, a user's sessions, deletion.
extension AuthStore {
    /// The columns of `AdminUserRow`: the user's, then last login and active sessions at `?1` (now, ms).
    private static let adminUserColumns = """
        u.id, u.email, u.created_at, u.updated_at, u.disabled_at,
        (SELECT max(s.created_at) FROM auth_sessions s WHERE s.user_id = u.id),
        (SELECT count(*) FROM auth_sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > ?1)
        """

    private static func adminUser(_ row: SQLiteStatement) -> AdminUserRow {
        AdminUserRow(
            user: AuthUser(id: row.text(0), email: row.text(1), createdAt: row.int64(2), updatedAt: row.int64(3),
                           disabledAt: row.isNull(4) ? nil : row.int64(4)),
            lastLoginAt: row.isNull(5) ? nil : row.int64(5), activeSessions: Int(row.int64(6)))
    }

    /// Up to `limit` users in creation order (ids are UUIDv7) after the id `after` ("" for the first page).
    static func adminUsers(after: String, limit: Int, now: Int64, on connection: SQLiteConnection) throws -> [AdminUserRow] {
        try connection.query("SELECT \(adminUserColumns) FROM auth_users u WHERE u.id > ?2 ORDER BY u.id LIMIT ?3",
                             [.integer(now), .text(after), .integer(Int64(limit))]) { adminUser($0) }
    }

    /// Up to `limit` users whose email starts with `prefix`, in email order, after the email `after`.
    /// The range `[prefix, prefix + U+10FFFF)` lets the unique email index seek and stop.
    static func adminUsers(emailPrefix prefix: String, after: String, limit: Int, now: Int64,
                           on connection: SQLiteConnection) throws -> [AdminUserRow] {
        try connection.query("""
            SELECT \(adminUserColumns) FROM auth_users u
            WHERE u.email >= ?2 AND u.email < ?3 AND u.email > ?4 AND substr(u.email, 1, length(?2)) = ?2
            ORDER BY u.email LIMIT ?5
            """, [.integer(now), .text(prefix), .text(prefix + "\u{10FFFF}"), .text(after), .integer(Int64(limit))]) {
            adminUser($0)
        }
    }

    /// One user with the admin figures, or nil.
    static func adminUser(id: String, now: Int64, on connection: SQLiteConnection) throws -> AdminUserRow? {
        try connection.queryOne("SELECT \(adminUserColumns) FROM auth_users u WHERE u.id = ?2", [.integer(now), .text(id)]) {
            adminUser($0)
        }
    }

    private static let sessionColumns = "id, user_id, created_at, refreshed_at, expires_at, ip, user_agent, revoked_at"

    private static func adminSession(_ row: SQLiteStatement) -> AdminSessionRow {
        AdminSessionRow(id: row.text(0), userID: row.text(1), createdAt: row.int64(2), lastUsedAt: row.int64(3),
                        expiresAt: row.int64(4), ip: row.isNull(5) ? nil : row.text(5),
                        userAgent: row.isNull(6) ? nil : row.text(6), revokedAt: row.isNull(7) ? nil : row.int64(7))
    }

    /// The user's newest `limit` sessions, revoked and expired ones included, newest first.
    static func sessions(ofUser userID: String, limit: Int, on connection: SQLiteConnection) throws -> [AdminSessionRow] {
        try connection.query("SELECT \(sessionColumns) FROM auth_sessions WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                             [.text(userID), .integer(Int64(limit))]) { adminSession($0) }
    }

    /// One session, or nil.
    static func session(id: String, on connection: SQLiteConnection) throws -> AdminSessionRow? {
        try connection.queryOne("SELECT \(sessionColumns) FROM auth_sessions WHERE id = ?", [.text(id)]) { adminSession($0) }
    }

    /// Deletes a user with their sessions and refresh tokens (revoke the sessions first, so the
    /// snapshot refuses their tokens). Returns whether the user existed.
    static func deleteUser(id: String, on connection: SQLiteConnection) throws -> Bool {
        try connection.run("""
            DELETE FROM auth_refresh_tokens WHERE session_id IN (SELECT id FROM auth_sessions WHERE user_id = ?)
            """, [.text(id)])
        try connection.run("DELETE FROM auth_sessions WHERE user_id = ?", [.text(id)])
        return try connection.run("DELETE FROM auth_users WHERE id = ?", [.text(id)]) == 1
    }
}
