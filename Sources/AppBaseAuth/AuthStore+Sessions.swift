import AppBaseCore
import AppBaseSQLite

/// A refresh token looked up by its digest, with what the rotation decision needs.
struct RefreshTokenRow: Sendable {
    var sessionID: String
    var expiresAt: Int64
    var rotatedAt: Int64?
    var sessionRevokedAt: Int64?
    var user: AuthUser
}

extension AuthStore {
    /// Creates a login session for `userID` and its first refresh token (stored as `tokenDigest`).
    static func createSession(id: String, userID: String, tokenDigest: [UInt8], now: Int64, expiresAt: Int64,
                              ip: String?, userAgent: String?, on connection: SQLiteConnection) throws {
        try connection.run("""
            INSERT INTO auth_sessions (id, user_id, created_at, refreshed_at, expires_at, ip, user_agent)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(userID), .integer(now), .integer(now), .integer(expiresAt),
                  ip.map { .text($0) } ?? .null, userAgent.map { .text($0) } ?? .null])
        try insertRefreshToken(tokenDigest, sessionID: id, now: now, expiresAt: expiresAt, on: connection)
    }

    /// Adds a current (not yet rotated) refresh token to a session and extends the session to its expiry.
    static func insertRefreshToken(_ digest: [UInt8], sessionID: String, now: Int64, expiresAt: Int64,
                                   on connection: SQLiteConnection) throws {
        try connection.run("INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           [.blob(digest), .text(sessionID), .integer(now), .integer(expiresAt)])
        try connection.run("UPDATE auth_sessions SET refreshed_at = ?, expires_at = MAX(expires_at, ?) WHERE id = ?",
                           [.integer(now), .integer(expiresAt), .text(sessionID)])
    }

    /// The refresh token with `digest`, its session's state and its user; nil when unknown.
    static func refreshToken(digest: [UInt8], on connection: SQLiteConnection) throws -> RefreshTokenRow? {
        try connection.queryOne("""
            SELECT t.session_id, t.expires_at, t.rotated_at, s.revoked_at,
                   u.id, u.email, u.created_at, u.updated_at, u.disabled_at
            FROM auth_refresh_tokens t
            JOIN auth_sessions s ON s.id = t.session_id
            JOIN auth_users u ON u.id = s.user_id
            WHERE t.token_hash = ?
            """, [.blob(digest)]) { row in
            RefreshTokenRow(
                sessionID: row.text(0), expiresAt: row.int64(1),
                rotatedAt: row.isNull(2) ? nil : row.int64(2), sessionRevokedAt: row.isNull(3) ? nil : row.int64(3),
                user: AuthUser(id: row.text(4), email: row.text(5), createdAt: row.int64(6), updatedAt: row.int64(7),
                               disabledAt: row.isNull(8) ? nil : row.int64(8)))
        }
    }

    /// Marks a refresh token as rotated at `now` (it stays stored, so a later reuse is recognised).
    static func markRotated(digest: [UInt8], now: Int64, on connection: SQLiteConnection) throws {
        try connection.run("UPDATE auth_refresh_tokens SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL",
                           [.integer(now), .blob(digest)])
    }

    /// Revokes one session; returns whether it was live until now.
    @discardableResult
    static func revokeSession(_ id: String, reason: String, now: Int64, on connection: SQLiteConnection) throws -> Bool {
        try connection.run("UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
                           [.integer(now), .text(reason), .text(id)]) == 1
    }

    /// Revokes every live session of a user; returns their ids.
    static func revokeSessions(ofUser userID: String, reason: String, now: Int64, on connection: SQLiteConnection) throws -> [String] {
        let ids = try connection.query("SELECT id FROM auth_sessions WHERE user_id = ? AND revoked_at IS NULL",
                                       [.text(userID)]) { $0.text(0) }
        for id in ids { try revokeSession(id, reason: reason, now: now, on: connection) }
        return ids
    }

    /// Session ids and users of the sessions not revoked and expiring after `expiringAfter` (ms).
    static func liveSessions(expiringAfter: Int64, on connection: SQLiteConnection) throws -> [(id: String, userID: String)] {
        try connection.query("SELECT id, user_id FROM auth_sessions WHERE revoked_at IS NULL AND expires_at > ?",
                             [.integer(expiringAfter)]) { (id: $0.text(0), userID: $0.text(1)) }
    }

    /// Ids of the sessions whose expiry lies in `(after, through]` (ms). Expiry only ever moves
    /// forward, so such a session stays expired.
    static func sessionsExpired(after: Int64, through: Int64, on connection: SQLiteConnection) throws -> [String] {
        try connection.query("SELECT id FROM auth_sessions WHERE expires_at > ? AND expires_at <= ?",
                             [.integer(after), .integer(through)]) { $0.text(0) }
    }

    /// Sessions revoked at or after `since` (ms), with their revocation time (snapshot load).
    static func sessionsRevoked(since: Int64, on connection: SQLiteConnection) throws -> [(id: String, revokedAt: Int64)] {
        try connection.query("SELECT id, revoked_at FROM auth_sessions WHERE revoked_at >= ?", [.integer(since)]) {
            (id: $0.text(0), revokedAt: $0.int64(1))
        }
    }

    /// Deletes refresh tokens past their expiry, and those of sessions revoked before `revokedBefore`
    /// (presenting either is then simply an unknown token). Returns the number deleted.
    @discardableResult
    static func deleteStaleRefreshTokens(now: Int64, revokedBefore: Int64, on connection: SQLiteConnection) throws -> Int {
        let expired = try connection.run("DELETE FROM auth_refresh_tokens WHERE expires_at <= ?", [.integer(now)])
        let revoked = try connection.run("""
            DELETE FROM auth_refresh_tokens WHERE session_id IN
                (SELECT id FROM auth_sessions WHERE revoked_at IS NOT NULL AND revoked_at < ?)
            """, [.integer(revokedBefore)])
        return expired + revoked
    }
}
