import AppBaseCore
import OrderedCollections

/// The two JSON members of a backup archive (docs/adr/0037-backup-format.md):
///
/// - `appbase-backup.json`, first: `{"format":1,"app":"notes","createdAt":"…","appbaseVersion":"…"}`,
///   so a wrong version or another app's archive is refused before any byte is unpacked;
/// - `manifest.json`, last: the same fields and `files`, `[{"path","size","sha256"}]` for every
///   other member, so the writer streams each file once and hashes it on the way.
struct BackupManifest: Equatable, Sendable {
    /// The archive format this version writes and reads.
    static let formatVersion: Int64 = 1
    /// The `app` of an archive of `master.sqlite`.
    static let masterName = "master"
    static let headerMember = "appbase-backup.json"
    static let manifestMember = "manifest.json"

    /// One archived file.
    struct File: Equatable, Sendable {
        let path: String
        let size: Int64
        let sha256: String
    }

    var format: Int64
    /// The app's name, or `master`.
    var app: String
    var createdAt: Int64
    var appbaseVersion: String
    var files: [File]

    /// The first member (no files).
    var headerJSON: JSONValue {
        ["format": .int(format), "app": .string(app), "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt)),
         "appbaseVersion": .string(appbaseVersion)]
    }

    /// The last member.
    var manifestJSON: JSONValue {
        guard case .object(var object) = headerJSON else { return headerJSON }
        object["files"] = .array(files.map { ["path": .string($0.path), "size": .int($0.size), "sha256": .string($0.sha256)] })
        return .object(object)
    }

    /// Reads either member. The format is checked first: a later version may change every other field.
    /// - Throws: `BackupError.corrupt` for bad JSON or a missing field, `.unsupportedVersion`.
    static func parse(_ bytes: [UInt8], member: String) throws -> BackupManifest {
        guard let value = try? JSONParser.parse(bytes, maxDepth: 8), let object = value.objectValue else {
            throw BackupError.corrupt("\(member) is not a JSON object")
        }
        guard let format = object["format"]?.intValue else { throw BackupError.corrupt("\(member) has no format version") }
        guard format == formatVersion else { throw BackupError.unsupportedVersion(format) }
        guard let app = object["app"]?.stringValue, let version = object["appbaseVersion"]?.stringValue else {
            throw BackupError.corrupt("\(member) lacks app or appbaseVersion")
        }
        var files: [File] = []
        for item in object["files"]?.arrayValue ?? [] {
            guard let path = item["path"]?.stringValue, let size = item["size"]?.intValue, let sum = item["sha256"]?.stringValue else {
                throw BackupError.corrupt("\(member) has a file entry without path, size or sha256")
            }
            files.append(File(path: path, size: size, sha256: sum))
        }
        let created = object["createdAt"]?.stringValue.flatMap(Timestamp.parse) ?? 0
        return BackupManifest(format: format, app: app, createdAt: created, appbaseVersion: version, files: files)
    }
}
