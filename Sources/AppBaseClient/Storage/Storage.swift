import Foundation

/// The storage API: files in buckets, with versions and signed URLs.
public struct Storage: Sendable {
    let client: APIClient

    private func path(_ bucket: String, _ rest: String...) -> [String] { ["storage", "buckets", bucket] + rest }

    /// Uploads `data` as a new file (the bucket is created with default rules on first upload).
    /// - Parameter progress: called as bytes are sent (sent, total).
    public func upload(bucket: String, data: Data, name: String, contentType: String = "application/octet-stream",
                       progress: UploadProgress? = nil) async throws -> FileMetadata {
        try await upload(bucket: bucket, body: .data(data), name: name, contentType: contentType, progress: progress)
    }

    /// Uploads the file at `fileURL`, streamed from disk (named after it unless `name` is given).
    public func upload(bucket: String, fileURL: URL, name: String? = nil, contentType: String = "application/octet-stream",
                       progress: UploadProgress? = nil) async throws -> FileMetadata {
        try await upload(bucket: bucket, body: .file(fileURL), name: name ?? fileURL.lastPathComponent, contentType: contentType,
                         progress: progress)
    }

    private func upload(bucket: String, body: RequestBody, name: String, contentType: String, progress: UploadProgress?) async throws -> FileMetadata {
        var request = APIRequest("POST", path(bucket, "upload"), query: [("name", name)], authorization: .whenSignedIn)
        request.body = body
        request.headers["Content-Type"] = contentType
        request.progress = progress
        return try await client.send(request, decoding: FileMetadata.self)
    }

    /// A signed URL that downloads the file without a key or token.
    /// - Parameters:
    ///   - expiresIn: seconds (server default 3600, at most 7 days).
    ///   - version: a kept version (default: the current one).
    public func getURL(bucket: String, id: String, expiresIn: Int? = nil, version: Int? = nil) async throws -> SignedURL {
        struct Body: Encodable {
            let expiresIn: Int?
            let version: Int?
        }
        struct Answer: Decodable {
            let url: String
            let expiresAt: String
        }
        let answer = try await client.send(APIRequest("POST", path(bucket, id, "url"), json: Body(expiresIn: expiresIn, version: version)),
                                           decoding: Answer.self)
        var base = client.endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + answer.url) else { throw AppBaseError.invalidResponse("Bad signed URL \(answer.url).") }
        return SignedURL(url: url, expiresAt: answer.expiresAt)
    }

    /// The file's bytes (a kept `version`, or the current one).
    public func download(bucket: String, id: String, version: Int? = nil) async throws -> Data {
        try await client.send(APIRequest("GET", path(bucket, id), query: version.map { [("version", String($0))] } ?? [])).body
    }

    /// One page of the bucket's files.
    public func list(bucket: String, prefix: String? = nil, limit: Int? = nil, cursor: String? = nil) async throws -> FilePage {
        var query: [(String, String)] = []
        if let prefix { query.append(("prefix", prefix)) }
        if let limit { query.append(("limit", String(limit))) }
        if let cursor { query.append(("cursor", cursor)) }
        return try await client.send(APIRequest("GET", path(bucket), query: query), decoding: FilePage.self)
    }

    /// Deletes the file and every version of it.
    public func remove(bucket: String, id: String) async throws {
        _ = try await client.send(APIRequest("DELETE", path(bucket, id)))
    }

    /// The kept versions, newest first.
    public func versions(bucket: String, id: String) async throws -> [FileVersion] {
        struct Answer: Decodable { let items: [FileVersion] }
        return try await client.send(APIRequest("GET", path(bucket, id, "versions")), decoding: Answer.self).items
    }

    /// Makes `version` current again, as a new version.
    public func restore(bucket: String, id: String, version: Int) async throws -> FileMetadata {
        try await client.send(APIRequest("POST", path(bucket, id, "versions", String(version), "restore")), decoding: FileMetadata.self)
    }

    /// Uploads `data` as a new version of file `id` (`PUT`).
    public func replace(bucket: String, id: String, data: Data, contentType: String = "application/octet-stream",
                        progress: UploadProgress? = nil) async throws -> FileMetadata {
        var request = APIRequest("PUT", path(bucket, id))
        request.body = .data(data)
        request.headers["Content-Type"] = contentType
        request.progress = progress
        return try await client.send(request, decoding: FileMetadata.self)
    }
}
