/// Why a `multipart/form-data` body or its `Content-Type` was rejected.
///
/// Every case maps to a client error (400, or 415 for `notMultipartFormData`); `message`
/// is safe to show to the client and never echoes body bytes.
public enum MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `Content-Type` is not `multipart/form-data` (or could not be parsed); carries the media type seen.
    case notMultipartFormData(String)
    /// The `boundary` parameter is missing or violates RFC 2046 (1–70 allowed characters, no trailing space).
    case invalidBoundary(String)
    /// Bytes after a boundary delimiter were neither `--`, transport padding nor CRLF.
    case malformedDelimiter
    /// A part's header block contains a bare CR or LF; CRLF line endings are required.
    case bareLineEnding
    /// A part's header block exceeded the limit (in bytes).
    case headerTooLarge(limit: Int)
    /// The body has more parts than the limit.
    case tooManyParts(limit: Int)
    /// A part header is malformed; carries a short description.
    case malformedHeader(String)
    /// A part lacks `Content-Disposition: form-data; name="..."` (RFC 7578 §4.2).
    case missingContentDisposition
    /// The input ended before the closing delimiter (`--boundary--`).
    case missingClosingDelimiter

    /// A human-readable description, safe to send to clients.
    public var message: String {
        switch self {
        case .notMultipartFormData(let type):
            "Expected Content-Type multipart/form-data, got '\(type.prefix(100))'."
        case .invalidBoundary(let reason):
            "Invalid multipart boundary: \(reason)."
        case .malformedDelimiter:
            "Malformed multipart body: a boundary delimiter is followed by unexpected bytes."
        case .bareLineEnding:
            "Malformed multipart body: part headers must use CRLF line endings."
        case .headerTooLarge(let limit):
            "Multipart part headers exceed the limit of \(limit) bytes."
        case .tooManyParts(let limit):
            "Multipart body has more than \(limit) parts."
        case .malformedHeader(let reason):
            "Malformed multipart part header: \(reason)."
        case .missingContentDisposition:
            "Multipart part lacks 'Content-Disposition: form-data' with a name."
        case .missingClosingDelimiter:
            "Multipart body ended before the closing boundary delimiter."
        }
    }

    /// Same as `message`.
    public var description: String { message }
}
