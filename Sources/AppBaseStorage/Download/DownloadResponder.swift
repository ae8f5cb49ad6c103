import AppBaseCore
import AppBaseHTTP

/// Builds download responses: conditional requests (304), single ranges (206/416), `HEAD`,
/// and the headers that keep stored files from ever running as active content on our origin.
///
/// Every download — 200, 206 and 304 alike — carries `X-Content-Type-Options: nosniff` and
/// `Content-Security-Policy: sandbox; default-src 'none'`, and is `inline` only for the
/// allow-list in `ContentDisposition.isInlineSafe` (raster images, PDF, audio, video,
/// `text/plain`); HTML, SVG, XML, scripts and unknown types are attachments.
enum DownloadResponder {
    /// What the lookup on a dedicated thread produced.
    enum Prepared: Sendable {
        /// The client's copy is current: answer 304 without opening the file.
        case notModified(StoredFile)
        /// The blob, open and checked against the row's size.
        case file(StoredFile, OwnedFileDescriptor)
    }

    static let contentSecurityPolicy = SafeContentHeaders.downloadPolicy

    /// Whether the client's cached copy is current (`If-None-Match`, else `If-Modified-Since`).
    static func isNotModified(_ file: StoredFile, headers: HTTPHeaders) -> Bool {
        if let ifNoneMatch = headers["if-none-match"] {
            return EntityTags.anyMatches(ifNoneMatch, etag: file.version.etag, weak: true)
        }
        if let ifModifiedSince = headers["if-modified-since"], let since = HTTPDate.parse(ifModifiedSince) {
            return lastModifiedSeconds(file) <= since
        }
        return false
    }

    /// The response for a prepared download.
    /// - Throws: 416 `range_not_satisfiable` (with `Content-Range: bytes */N`).
    static func response(_ prepared: Prepared, request: HTTPRequest, cacheControl: String) throws(AppBaseError) -> HTTPResponse {
        switch prepared {
        case .notModified(let file):
            return HTTPResponse(status: 304, headers: commonHeaders(file, cacheControl: cacheControl))
        case .file(let file, let descriptor):
            var headers = commonHeaders(file, cacheControl: cacheControl)
            headers.add("Content-Type", file.version.contentType)
            headers.add("Content-Disposition",
                        ContentDisposition(contentType: file.version.contentType, filename: file.name).headerValue)
            let length = file.version.size
            switch rangeOutcome(file, request: request) {
            case .full:
                return HTTPResponse(status: 200, headers: headers,
                                    body: .file(FileBody(descriptor: descriptor, offset: 0, length: length)))
            case .partial(let start, let end):
                headers.add("Content-Range", "bytes \(start)-\(end)/\(length)")
                return HTTPResponse(status: 206, headers: headers,
                                    body: .file(FileBody(descriptor: descriptor, offset: Int64(start),
                                                         length: Int64(end - start + 1))))
            case .unsatisfiable:
                var error = StorageErrors.rangeNotSatisfiable(length: length)
                error.headers += [SafeContentHeaders.noSniff, ("Accept-Ranges", "bytes")]
                throw error
            }
        }
    }

    /// `Range` applies to GET only (RFC 9110 §14.2), and only while `If-Range` still matches.
    private static func rangeOutcome(_ file: StoredFile, request: HTTPRequest) -> ByteRange {
        guard request.method == .GET, let range = request.headers["range"] else { return .full }
        if let ifRange = request.headers["if-range"] {
            let trimmed = ifRange.utf8.drop { $0 == 0x20 || $0 == 0x09 }
            if trimmed.first == UInt8(ascii: "\"") || trimmed.starts(with: Array("W/".utf8)) {
                guard EntityTags.anyMatches(ifRange, etag: file.version.etag, weak: false) else { return .full }
            } else {
                guard HTTPDate.parse(ifRange) == lastModifiedSeconds(file) else { return .full }
            }
        }
        return ByteRange.parse(range, length: Int(file.version.size))
    }

    private static func commonHeaders(_ file: StoredFile, cacheControl: String) -> HTTPHeaders {
        HTTPHeaders([
            ("ETag", file.version.etag),
            ("Last-Modified", HTTPDate.format(lastModifiedSeconds(file))),
            ("Accept-Ranges", "bytes"),
            ("Cache-Control", cacheControl),
            SafeContentHeaders.noSniff,
            ("Content-Security-Policy", contentSecurityPolicy),
        ])
    }

    private static func lastModifiedSeconds(_ file: StoredFile) -> Int64 {
        file.version.createdAt / 1000
    }
}
