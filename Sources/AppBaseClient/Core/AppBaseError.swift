import Foundation

/// Every failure the client reports: the server's JSON error (`{"error":{code,message,requestId,details}}`)
/// with its HTTP status, or a client-side failure (`status` 0) such as `network_error`,
/// `invalid_response` or `signed_out`.
///
/// `code` values are the server's stable codes (docs/API-SPEC.md); apps branch on them.
public struct AppBaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable code, e.g. `version_conflict`, `token_expired`, `session_revoked`.
    public let code: String
    /// The HTTP status (0 when no response was received).
    public let status: Int
    /// A human-readable message.
    public let message: String
    /// The server's request id (`X-Request-Id`), for the server log.
    public let requestId: String?
    /// Extra, code-specific information (`field`, `position`, `version`, `index`, …).
    public let details: JSONValue?

    public init(code: String, status: Int, message: String, requestId: String? = nil, details: JSONValue? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.requestId = requestId
        self.details = details
    }

    public var description: String {
        "AppBaseError(\(code), status \(status)\(requestId.map { ", request \($0)" } ?? "")): \(message)"
    }

    /// The codes after which a session cannot be used again: the client signs out.
    static let sessionEndingCodes: Set<String> = ["refresh_token_reused", "session_revoked", "user_disabled", "invalid_refresh_token"]

    /// The error of an HTTP answer that is not a success: the server's JSON error when the body
    /// holds one, else a generic `http_<status>` code.
    static func from(status: Int, body: Data, requestId: String?) -> AppBaseError {
        struct Envelope: Decodable {
            struct Body: Decodable {
                let code: String
                let message: String?
                let requestId: String?
                let details: JSONValue?
            }
            let error: Body
        }
        if let envelope = try? JSONCoding.decode(Envelope.self, from: body) {
            return AppBaseError(code: envelope.error.code, status: status, message: envelope.error.message ?? envelope.error.code,
                                requestId: envelope.error.requestId ?? requestId, details: envelope.error.details)
        }
        return AppBaseError(code: "http_\(status)", status: status, message: "The server answered \(status).", requestId: requestId)
    }

    /// A transport failure (no HTTP answer).
    static func network(_ error: any Error) -> AppBaseError {
        AppBaseError(code: "network_error", status: 0, message: String(describing: error))
    }

    /// A success answer whose body is not what the route documents.
    static func invalidResponse(_ what: String, requestId: String? = nil) -> AppBaseError {
        AppBaseError(code: "invalid_response", status: 0, message: what, requestId: requestId)
    }

    /// A user request without a signed-in user.
    static let signedOut = AppBaseError(code: "signed_out", status: 0, message: "No user is signed in.")
}
