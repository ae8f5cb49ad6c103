import AppBaseCore

/// One stored version of a file (`storage_file_versions`). Each version owns exactly one blob.
struct FileVersion: Sendable, Equatable {
    var version: Int64
    var blobID: String
    var size: Int64
    /// Lowercase hex.
    var sha256: String
    var contentType: String
    /// Who uploaded this version (nil: an admin key without a user token).
    var ownerID: String?
    /// Milliseconds since the epoch.
    var createdAt: Int64

    /// `{version, size, sha256, contentType, ownerId, createdAt}`.
    var json: JSONValue {
        [
            "version": .int(version), "size": .int(size), "sha256": .string(sha256),
            "contentType": .string(contentType), "ownerId": ownerID.map(JSONValue.string) ?? .null,
            "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt)),
        ]
    }

    /// The strong entity tag: the quoted SHA-256.
    var etag: String { "\"" + sha256 + "\"" }
}

/// A file (`storage_files`) together with one of its versions: the current one, or the one a
/// request named.
struct StoredFile: Sendable, Equatable {
    var id: String
    var bucket: String
    /// The client's name: stored and echoed, never used as a path.
    var name: String
    /// The file's owner (who created it), for rules; nil when an admin key created it.
    var ownerID: String?
    var createdAt: Int64
    var currentVersion: Int64
    var version: FileVersion

    /// `{id, bucket, name, size, contentType, sha256, version, ownerId, createdAt, updatedAt}`;
    /// `updatedAt` is when the described version was stored.
    var json: JSONValue {
        [
            "id": .string(id), "bucket": .string(bucket), "name": .string(name), "size": .int(version.size),
            "contentType": .string(version.contentType), "sha256": .string(version.sha256),
            "version": .int(version.version), "ownerId": ownerID.map(JSONValue.string) ?? .null,
            "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt)),
            "updatedAt": .string(Timestamp.rfc3339(milliseconds: version.createdAt)),
        ]
    }
}
