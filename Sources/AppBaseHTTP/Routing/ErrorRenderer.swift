import AppBaseCore

/// The one place that turns errors into responses:
/// `{"error":{"code","message","requestId","details"?}}`, with `Retry-After` and any extra headers.
/// Errors that are not `AppBaseError` become an opaque 500 `internal`.
public enum ErrorRenderer {
    public static func response(for error: any Error, requestID: String) -> HTTPResponse {
        let appError: AppBaseError
        if let known = error as? AppBaseError {
            appError = known
        } else if error is ThreadStoppedError {
            // Work offered to a subsystem that is shutting down: retryable, not a bug.
            appError = AppBaseError(status: 503, code: .unavailable, message: "The server is shutting down; retry shortly.",
                                    retryAfterSeconds: 1)
        } else {
            appError = AppBaseError.internalError(cause: String(describing: error))
        }
        var body: [UInt8] = []
        body.reserveCapacity(128)
        body.append(contentsOf: Array(#"{"error":{"code":"#.utf8))
        JSONText.appendEscapedString(appError.code.rawValue, to: &body)
        body.append(contentsOf: Array(#","message":"#.utf8))
        JSONText.appendEscapedString(appError.message, to: &body)
        body.append(contentsOf: Array(#","requestId":"#.utf8))
        JSONText.appendEscapedString(requestID, to: &body)
        if let details = appError.details {
            body.append(contentsOf: Array(#","details":"#.utf8))
            details.serialize(into: &body)
        }
        body.append(contentsOf: [125, 125])
        var headers = HTTPHeaders("Content-Type", "application/json")
        if let retry = appError.retryAfterSeconds { headers.add("Retry-After", String(retry)) }
        for (name, value) in appError.headers { headers.add(name, value) }
        return HTTPResponse(status: appError.status, headers: headers, body: .bytes(body))
    }
}
