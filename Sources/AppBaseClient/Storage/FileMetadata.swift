import Foundation

/// A stored file's current version, as uploads, restores and lists return it.
public struct FileMetadata: Codable, Sendable, Equatable {
    public let id: String
    public let bucket: String
    public let name: String
    public let size: Int64
    public let contentType: String
    /// Hex SHA-256 of the bytes (the download's `ETag`).
    public let sha256: String
    public let version: Int
    public let ownerId: String?
    public let createdAt: String
    public let updatedAt: String
}

/// One kept version of a file, newest first in `Storage.versions`.
public struct FileVersion: Codable, Sendable, Equatable {
    public let version: Int
    public let size: Int64
    public let sha256: String
    public let contentType: String
    public let ownerId: String?
    public let createdAt: String
}

/// One page of a bucket's files.
public struct FilePage: Codable, Sendable {
    public let items: [FileMetadata]
    /// Pass to `list(cursor:)` for the next page; nil on the last one.
    public let nextCursor: String?
}

/// A signed download URL: a bearer credential until `expiresAt` (or until the bucket's read rule changes).
public struct SignedURL: Sendable, Equatable {
    /// Absolute: the endpoint plus the server's relative path.
    public let url: URL
    /// RFC 3339, UTC.
    public let expiresAt: String
}
