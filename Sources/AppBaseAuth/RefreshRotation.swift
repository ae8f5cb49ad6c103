import AppBaseSQLite

/// What presenting a refresh token led to.
enum RefreshOutcome: Sendable {
    /// A new pair: `refreshToken` is the new token of the same session.
    case issued(user: AuthUser, sessionID: String, refreshToken: String, withinGrace: Bool)
    /// Refused without changing anything.
    case refused(AuthError, userID: String?, sessionID: String?)
    /// A rotated token came back after the grace window: the session was revoked in this transaction.
    case reuseDetected(userID: String, sessionID: String)
}

/// The refresh-token rotation rule, run inside one writer transaction (the single writer serialises
/// concurrent refreshes of the same token, so exactly one of them rotates it):
///
/// - a current token is marked rotated and a new current token is issued (sliding expiry);
/// - a token rotated at most `graceMillis` ago gets a new token of the same session too (two tabs, a
///   retried request whose response was lost) — the token that replaced it stays valid;
/// - a token rotated longer ago is reuse: someone holds a copy. The whole session is revoked, so
///   neither the thief nor the victim can go on with it (the victim signs in again);
/// - unknown or expired tokens, revoked sessions and disabled users are refused.
struct RefreshRotation: Sendable {
    let now: Int64
    let graceMillis: Int64
    let lifetimeMillis: Int64

    /// Applies the rule to the token whose SHA-256 is `presented`; `replacement` is the new token to
    /// issue if the rule allows one.
    func apply(presented: [UInt8], replacement: String, on connection: SQLiteConnection) throws -> RefreshOutcome {
        guard let row = try AuthStore.refreshToken(digest: presented, on: connection) else {
            return .refused(.invalidRefreshToken, userID: nil, sessionID: nil)
        }
        if row.sessionRevokedAt != nil {
            return .refused(.sessionRevoked, userID: row.user.id, sessionID: row.sessionID)
        }
        if row.user.isDisabled {
            return .refused(.userDisabled, userID: row.user.id, sessionID: row.sessionID)
        }
        if row.expiresAt <= now {
            return .refused(.invalidRefreshToken, userID: row.user.id, sessionID: row.sessionID)
        }
        var withinGrace = false
        if let rotatedAt = row.rotatedAt {
            guard now - rotatedAt <= graceMillis else {
                try AuthStore.revokeSession(row.sessionID, reason: "refresh_token_reused", now: now, on: connection)
                return .reuseDetected(userID: row.user.id, sessionID: row.sessionID)
            }
            withinGrace = true
        } else {
            try AuthStore.markRotated(digest: presented, now: now, on: connection)
        }
        try AuthStore.insertRefreshToken(OpaqueToken.hash(replacement), sessionID: row.sessionID, now: now,
                                         expiresAt: now + lifetimeMillis, on: connection)
        return .issued(user: row.user, sessionID: row.sessionID, refreshToken: replacement, withinGrace: withinGrace)
    }
}
