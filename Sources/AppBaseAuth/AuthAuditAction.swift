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
    /// Published by the platform after `appbase keys create` (target: key id, details: kind, name).
    public static let keyCreated = "key.create"
    /// Published by the platform after `appbase keys revoke` (target: key id).
    public static let keyRevoked = "key.revoke"
}
