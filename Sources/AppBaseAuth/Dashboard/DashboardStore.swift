import AppBaseCore
import AppBaseSQLite

/// The dashboard tables' SQL, one function per query shape. Functions take the connection they run
/// on (a reader for lookups, the writer's connection for changes); nothing here decides policy.
enum DashboardStore {
    private static let adminColumns = "id, email, created_at, last_login_at"

    private static func admin(_ row: SQLiteStatement) -> DashboardAdmin {
        DashboardAdmin(id: row.text(0), email: row.text(1), createdAt: row.int64(2),
                       lastLoginAt: row.isNull(3) ? nil : row.int64(3))
    }

    // MARK: Admins

    static func adminCount(on connection: SQLiteConnection) throws -> Int {
        Int(try connection.queryOne("SELECT count(*) FROM dashboard_admins") { $0.int64(0) } ?? 0)
    }

    /// Every admin, oldest first.
    static func admins(on connection: SQLiteConnection) throws -> [DashboardAdmin] {
        try connection.query("SELECT \(adminColumns) FROM dashboard_admins ORDER BY created_at, id") { admin($0) }
    }

    /// The admin with `email` (normalised) and the stored hash, or nil.
    static func credentials(email: String, on connection: SQLiteConnection) throws -> (admin: DashboardAdmin, hash: String)? {
        try connection.queryOne("SELECT \(adminColumns), password_hash FROM dashboard_admins WHERE email = ?",
                                [.text(email)]) { (admin($0), $0.text(4)) }
    }

    /// Inserts an admin; false when the email is taken (the unique index decides).
    static func insertAdmin(_ admin: DashboardAdmin, passwordHash: String, on connection: SQLiteConnection) throws -> Bool {
        do {
            try connection.run("""
                INSERT INTO dashboard_admins (id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                """, [.text(admin.id), .text(admin.email), .text(passwordHash), .integer(admin.createdAt), .integer(admin.createdAt)])
            return true
        } catch let error as SQLiteError where error.isConstraintViolation {
            return false
        }
    }

    /// Records a successful sign-in, replacing the hash when it was made with older parameters.
    static func recordLogin(adminID: String, rehash: String?, now: Int64, on connection: SQLiteConnection) throws {
        if let rehash {
            try connection.run("UPDATE dashboard_admins SET password_hash = ?, updated_at = ? WHERE id = ?",
                               [.text(rehash), .integer(now), .text(adminID)])
        }
        try connection.run("UPDATE dashboard_admins SET last_login_at = ? WHERE id = ?", [.integer(now), .text(adminID)])
    }

    /// Deletes an admin and every session of theirs; returns whether the admin existed.
    static func deleteAdmin(id: String, on connection: SQLiteConnection) throws -> Bool {
        try connection.run("DELETE FROM dashboard_sessions WHERE admin_id = ?", [.text(id)])
        return try connection.run("DELETE FROM dashboard_admins WHERE id = ?", [.text(id)]) == 1
    }

    // MARK: Sessions

    static func insertSession(_ session: DashboardSessionBook.Session, tokenHash: [UInt8], now: Int64, ip: String?,
                              userAgent: String?, on connection: SQLiteConnection) throws {
        try connection.run("""
            INSERT INTO dashboard_sessions (id, admin_id, token_hash, created_at, expires_at, ip, user_agent)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(session.id), .text(session.admin.id), .blob(tokenHash), .integer(now), .integer(session.expiresAt),
                  ip.map(SQLiteValue.text) ?? .null, userAgent.map(SQLiteValue.text) ?? .null])
    }

    /// Every unrevoked, unexpired session with its admin and token digest.
    static func liveSessions(now: Int64, on connection: SQLiteConnection) throws -> [(session: DashboardSessionBook.Session, tokenHash: [UInt8])] {
        try connection.query("""
            SELECT s.id, s.expires_at, s.token_hash, a.id, a.email, a.created_at, a.last_login_at
            FROM dashboard_sessions s JOIN dashboard_admins a ON a.id = s.admin_id
            WHERE s.revoked_at IS NULL AND s.expires_at > ?
            """, [.integer(now)]) { row in
            let admin = DashboardAdmin(id: row.text(3), email: row.text(4), createdAt: row.int64(5),
                                       lastLoginAt: row.isNull(6) ? nil : row.int64(6))
            return (session: DashboardSessionBook.Session(id: row.text(0), admin: admin, expiresAt: row.int64(1)), tokenHash: row.blob(2))
        }
    }

    static func revokeSession(id: String, now: Int64, on connection: SQLiteConnection) throws {
        try connection.run("UPDATE dashboard_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                           [.integer(now), .text(id)])
    }

    /// Deletes sessions that ended (expired or revoked) before `cutoff`: nothing reads them again.
    static func deleteEndedSessions(before cutoff: Int64, on connection: SQLiteConnection) throws {
        try connection.run("DELETE FROM dashboard_sessions WHERE expires_at < ?1 OR revoked_at < ?1", [.integer(cutoff)])
    }

    // MARK: Setup tokens

    /// Replaces every unused setup token with one new one (only the newest link works).
    static func replaceSetupToken(hash: [UInt8], now: Int64, expiresAt: Int64, on connection: SQLiteConnection) throws {
        try connection.run("DELETE FROM dashboard_setup_tokens WHERE used_at IS NULL")
        try connection.run("INSERT INTO dashboard_setup_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)",
                           [.blob(hash), .integer(now), .integer(expiresAt)])
    }

    /// True when `hash` names an unused setup token that has not expired at `now`.
    static func setupTokenIsValid(hash: [UInt8], now: Int64, on connection: SQLiteConnection) throws -> Bool {
        try connection.queryOne("""
            SELECT 1 FROM dashboard_setup_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
            """, [.blob(hash), .integer(now)]) { _ in true } ?? false
    }

    /// Marks the token used; true when it was valid (unused, unexpired) until now.
    static func consumeSetupToken(hash: [UInt8], now: Int64, on connection: SQLiteConnection) throws -> Bool {
        try connection.run("""
            UPDATE dashboard_setup_tokens SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?1
            """, [.integer(now), .blob(hash)]) == 1
    }

    /// Unused tokens are worthless once an admin exists.
    static func deleteUnusedSetupTokens(on connection: SQLiteConnection) throws {
        try connection.run("DELETE FROM dashboard_setup_tokens WHERE used_at IS NULL")
    }
}
