/// A stable, machine-readable error code, sent as `error.code`.
///
/// SDKs act on these strings, so they never change once published. The full table,
/// with the HTTP status each maps to, lives in `docs/API-SPEC.md`.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // Foundation (HTTP layer and every route).
    public static let badRequest = ErrorCode("bad_request")
    public static let invalidJSON = ErrorCode("invalid_json")
    public static let notFound = ErrorCode("not_found")
    public static let methodNotAllowed = ErrorCode("method_not_allowed")
    public static let payloadTooLarge = ErrorCode("payload_too_large")
    public static let headerTooLarge = ErrorCode("header_too_large")
    public static let uriTooLong = ErrorCode("uri_too_long")
    public static let serverBusy = ErrorCode("server_busy")
    public static let rateLimited = ErrorCode("rate_limited")
    /// The control plane (and `/metrics`) without a valid master key.
    public static let unauthorized = ErrorCode("unauthorized")
    public static let requestTimeout = ErrorCode("request_timeout")
    public static let expectationFailed = ErrorCode("expectation_failed")
    public static let notImplemented = ErrorCode("not_implemented")
    public static let httpVersionNotSupported = ErrorCode("http_version_not_supported")
    public static let internalError = ErrorCode("internal")
    public static let unavailable = ErrorCode("unavailable")

    // Keys and tokens.
    public static let missingAPIKey = ErrorCode("missing_api_key")
    public static let invalidAPIKey = ErrorCode("invalid_api_key")
    public static let missingToken = ErrorCode("missing_token")
    public static let invalidToken = ErrorCode("invalid_token")
    public static let tokenExpired = ErrorCode("token_expired")
    public static let sessionRevoked = ErrorCode("session_revoked")
    public static let userDisabled = ErrorCode("user_disabled")
    public static let forbidden = ErrorCode("forbidden")

    // Auth.
    public static let invalidCredentials = ErrorCode("invalid_credentials")
    public static let emailTaken = ErrorCode("email_taken")
    public static let refreshTokenReused = ErrorCode("refresh_token_reused")
    public static let invalidRefreshToken = ErrorCode("invalid_refresh_token")
    public static let registrationClosed = ErrorCode("registration_closed")
    public static let validationFailed = ErrorCode("validation_failed")

    // Database API.
    public static let invalidFilter = ErrorCode("invalid_filter")
    public static let invalidSort = ErrorCode("invalid_sort")
    public static let invalidCursor = ErrorCode("invalid_cursor")
    public static let queryTooExpensive = ErrorCode("query_too_expensive")
    public static let versionConflict = ErrorCode("version_conflict")
    public static let conflict = ErrorCode("conflict")

    // Storage.
    public static let rangeNotSatisfiable = ErrorCode("range_not_satisfiable")
    public static let invalidSignature = ErrorCode("invalid_signature")
    public static let urlExpired = ErrorCode("url_expired")
    public static let unsupportedMediaType = ErrorCode("unsupported_media_type")
    public static let quotaExceeded = ErrorCode("quota_exceeded")
}
