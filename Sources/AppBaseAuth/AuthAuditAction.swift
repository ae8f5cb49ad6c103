/// The audit actions the auth layer publishes (`AuditEvent.action`), and the two the platform
/// publishes for the CLI's key commands (`APIKeyAdmin` works offline and has no bus).
public enum AuthAuditAction {
    public static let register = "auth.register"
    public static let login = "auth.login"
    /// `details["reason"]`: `invalid_credentials`, `user_disabled` or `rate_limited`.
    public static let loginFailed = "auth.login.failed"
    public static let refresh = "auth.refresh"
    /// A rotated refresh token came back after the grace window; its session was revoked.
    public static let refreshReuseDetected = "auth.refresh.reuse_detected"
    public static let logout = "auth.logout"
    /// An admin set a user's password; every session of that user was revoked.
    public static let passwordReset = "auth.password.reset"
    public static let userDisabled = "auth.user.disabled"
    public static let userEnabled = "auth.user.enabled"
    /// An admin deleted a user (target: user id; details: records, sessionsRevoked, recordsDeleted, filesDeleted).
    public static let userDeleted = "auth.user.deleted"
    /// An admin revoked one or all sessions of a user (target: user id; details: sessionsRevoked, sessionId).
    public static let sessionsRevokedByAdmin = "auth.sessions.revoked"
    /// A key was created: by `POST /admin/api-keys` (details via=api), or by `appbase keys create`
    /// (published on reload, via=cli). Target: key id; details: kind.
    public static let keyCreated = "key.create"
    /// A key was revoked: by `DELETE /admin/api-keys/:id` (via=api) or `appbase keys revoke` (via=cli). Target: key id.
    public static let keyRevoked = "key.revoke"
}
