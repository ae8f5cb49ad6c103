import OrderedCollections
/// The one error type that reaches clients.
///
/// Handlers throw it; a single renderer in the HTTP layer turns it into
/// `{"error":{"code","message","requestId","details"?}}` with `status`.
/// `cause` is logged with the request id but never sent.
public struct AppBaseError: Error, Sendable, CustomStringConvertible {
    /// HTTP status code sent to the client.
    public var status: Int
    /// Stable machine-readable code.
    public var code: ErrorCode
    /// Human-readable message, safe to show (never contains secrets).
    public var message: String
    /// Optional structured details (field names, positions, indexes).
    public var details: JSONValue?
    /// Seconds after which the client may retry (sent as `Retry-After`).
    public var retryAfterSeconds: Int?
    /// Extra response headers (e.g. `Allow` on 405).
    public var headers: [(String, String)]
    /// Internal cause, for the log only.
    public var cause: String?

    public init(
        status: Int, code: ErrorCode, message: String, details: JSONValue? = nil,
        retryAfterSeconds: Int? = nil, headers: [(String, String)] = [], cause: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
        self.headers = headers
        self.cause = cause
    }

    public var description: String { "\(status) \(code): \(message)" + (cause.map { " (\($0))" } ?? "") }
}

extension AppBaseError {
    public static func badRequest(_ message: String, details: JSONValue? = nil) -> AppBaseError {
        AppBaseError(status: 400, code: .badRequest, message: message, details: details)
    }
    public static func validation(_ message: String, field: String) -> AppBaseError {
        AppBaseError(status: 400, code: .validationFailed, message: message, details: .object(["field": .string(field)]))
    }
    public static func invalidJSON(_ message: String, offset: Int) -> AppBaseError {
        AppBaseError(status: 400, code: .invalidJSON, message: message, details: .object(["offset": .int(Int64(offset))]))
    }
    public static func notFound(_ message: String = "Not found.") -> AppBaseError {
        AppBaseError(status: 404, code: .notFound, message: message)
    }
    public static func payloadTooLarge(limit: Int) -> AppBaseError {
        AppBaseError(
            status: 413, code: .payloadTooLarge, message: "Request body exceeds the limit of \(limit) bytes.",
            details: .object(["limit": .int(Int64(limit))]))
    }
    public static func serverBusy(retryAfterSeconds: Int = 1, _ message: String = "Server is busy; retry later.") -> AppBaseError {
        AppBaseError(status: 503, code: .serverBusy, message: message, retryAfterSeconds: retryAfterSeconds)
    }
    public static func rateLimited(retryAfterSeconds: Int, _ message: String = "Too many requests; retry later.") -> AppBaseError {
        AppBaseError(status: 429, code: .rateLimited, message: message, retryAfterSeconds: retryAfterSeconds)
    }
    public static func forbidden(_ message: String = "This key may not perform this action.") -> AppBaseError {
        AppBaseError(status: 403, code: .forbidden, message: message)
    }
    public static func unauthorized(_ code: ErrorCode, _ message: String) -> AppBaseError {
        AppBaseError(status: 401, code: code, message: message)
    }
    public static func internalError(cause: String) -> AppBaseError {
        AppBaseError(status: 500, code: .internalError, message: "Internal error.", cause: cause)
    }
}
