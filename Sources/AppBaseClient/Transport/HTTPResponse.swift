import Foundation

/// The status line and headers of an answer (header names lowercased).
struct HTTPHead: Sendable {
    let status: Int
    let headers: [String: String]

    /// The value of header `name` (any case).
    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Seconds to wait before retrying: `Retry-After` as delay-seconds (an HTTP-date, which AppBase
    /// never sends, counts as one second).
    var retryAfterSeconds: Double? {
        guard let value = header("Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        return Double(value) ?? 1
    }

    /// `X-Change-Seq`, the change sequence an answer reflects.
    var changeSeq: Int64? { header("X-Change-Seq").flatMap { Int64($0) } }
}

/// A whole answer: head and body.
struct HTTPResponse: Sendable {
    let head: HTTPHead
    let body: Data

    var isSuccess: Bool { (200..<300).contains(head.status) }

    /// The body decoded as `T`, or `invalid_response`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONCoding.decode(type, from: body)
        } catch {
            throw AppBaseError.invalidResponse("The answer is not the documented \(T.self): \(error)", requestId: head.header("X-Request-Id"))
        }
    }

    /// The server's error for this (non-success) answer.
    var error: AppBaseError {
        AppBaseError.from(status: head.status, body: body, requestId: head.header("X-Request-Id"))
    }
}

/// One piece of an answer as it arrives: the head once, then body bytes as the network hands them over.
enum TransportPart: Sendable {
    case head(HTTPHead)
    case body(Data)
}

/// What a request sends as its body.
enum RequestBody: Sendable {
    case none
    case data(Data)
    /// A file streamed from disk (large uploads never sit in memory).
    case file(URL)
}

/// Upload progress: bytes sent so far, and the total (or -1 when unknown).
public typealias UploadProgress = @Sendable (_ sent: Int64, _ total: Int64) -> Void
