import AppBaseCore
import AppBaseHTTP

/// The storage service's client errors, in one place, with their stable codes.
enum StorageErrors {
    static func quotaExceeded(scope: String, limit: Int64) -> AppBaseError {
        AppBaseError(status: 413, code: .quotaExceeded, message: "Storage quota exceeded (\(scope) limit \(limit) bytes).",
                     details: ["scope": .string(scope), "limit": .int(limit)])
    }

    /// While streaming: the file outgrew what was left of the quotas when the upload began.
    static func quotaExceeded(remaining: Int64) -> AppBaseError {
        AppBaseError(status: 413, code: .quotaExceeded, message: "Storage quota exceeded.",
                     details: ["remaining": .int(max(0, remaining))])
    }

    static func fileTooLarge(limit: Int64) -> AppBaseError {
        AppBaseError(status: 413, code: .payloadTooLarge, message: "File exceeds this bucket's limit of \(limit) bytes.",
                     details: ["limit": .int(limit)])
    }

    static func unsupportedMediaType(_ message: String) -> AppBaseError {
        AppBaseError(status: 415, code: .unsupportedMediaType, message: message)
    }

    static func rangeNotSatisfiable(length: Int64) -> AppBaseError {
        AppBaseError(status: 416, code: .rangeNotSatisfiable, message: "The requested range is not satisfiable.",
                     headers: [("Content-Range", "bytes */\(length)")])
    }

    static let invalidSignature = AppBaseError(status: 403, code: .invalidSignature,
                                               message: "The URL's signature is not valid.")

    static let urlExpired = AppBaseError(status: 403, code: .urlExpired, message: "The signed URL has expired.")

    static let fileNotFound = AppBaseError.notFound("File not found.")

    static let uploadsBusy = AppBaseError.serverBusy(retryAfterSeconds: 1, "Too many uploads in progress; retry later.")

    static let userUploadsBusy = AppBaseError.serverBusy(retryAfterSeconds: 1,
                                                         "Too many of your uploads are in progress; retry when one ends.")

    static let shuttingDown = AppBaseError(status: 503, code: .unavailable, message: "Storage is shutting down.",
                                           retryAfterSeconds: 5)

    /// 400 for a `multipart/form-data` problem (415 when it is not multipart at all).
    static func multipart(_ error: MultipartError) -> AppBaseError {
        if case .notMultipartFormData = error { return unsupportedMediaType(error.message) }
        return .badRequest(error.message)
    }

    static func fileName(_ error: FileNameValidator.ValidationError) -> AppBaseError {
        .validation(error.message, field: "name")
    }
}
