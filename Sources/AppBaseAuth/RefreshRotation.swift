import AppBaseSQLite

/// What presenting a refresh token led to.
enum RefreshOutcome: Sendable {
    /// The successor pair: `refreshToken` is the presented token's successor in the same session, and
    /// `issuedAt` (ms) the time of the rotation that produced it — the same for every presentation of
    /// one token, so a repeated rotation signs the same access token.
    case issued(user: AuthUser, sessionID: String, refreshToken: String, issuedAt: Int64, withinGrace: Bool)
    /// Refused without changing anything.
    case refused(AuthError, userID: String?, sessionID: String?)
    /// A rotated token came back after the grace window: the session was revoked in this transaction.
    case reuseDetected(userID: String, sessionID: String)
}

/// The refresh-token rotation rule, run inside one writer transaction (the single writer serialises
/// concurrent refreshes of the same token, so exactly one of them rotates it):
///
/// - a current token is marked rotated and its successor becomes a current token (sliding expiry);
/// - a token rotated at most `graceMillis` ago gets the same successor again (two tabs, a retried
///   request whose response was lost): rotation is idempotent within the window, so a token never
///   forks its session into two live branches;
/// - a token rotated longer ago is reuse: someone holds a copy. The whole session is revoked, so
///   neither the thief nor the victim can go on with it (the victim signs in again);
/// - unknown or expired tokens, revoked sessions and disabled users are refused.
struct RefreshRotation: Sendable {
    let now: Int64
    let graceMillis: Int64
    let lifetimeMillis: Int64

    /// Applies the rule to the token whose SHA-256 is `presented`; `successor` is its successor
    /// (`RefreshSuccessor.token(after:)`, deterministic), issued if the rule allows.
    func apply(presented: [UInt8], successor: String, on connection: SQLiteConnection) throws -> RefreshOutcome {
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
        if let rotatedAt = row.rotatedAt {
            guard now - rotatedAt <= graceMillis else {
                try AuthStore.revokeSession(row.sessionID, reason: "refresh_token_reused", now: now, on: connection)
                return .reuseDetected(userID: row.user.id, sessionID: row.sessionID)
            }
            // The successor row was stored by the rotation at `rotatedAt`: hand out the same pair.
            return .issued(user: row.user, sessionID: row.sessionID, refreshToken: successor, issuedAt: rotatedAt,
                           withinGrace: true)
        }
        try AuthStore.markRotated(digest: presented, now: now, on: connection)
        try AuthStore.insertRefreshToken(OpaqueToken.hash(successor), sessionID: row.sessionID, now: now,
                                         expiresAt: now + lifetimeMillis, on: connection)
        return .issued(user: row.user, sessionID: row.sessionID, refreshToken: successor, issuedAt: now, withinGrace: false)
    }
}
