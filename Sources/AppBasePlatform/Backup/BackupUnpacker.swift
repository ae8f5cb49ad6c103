import AppBaseCore
import AppBaseSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Verifies an archive while unpacking it into a fresh staging directory, which nothing reads
/// until every check passed: the first member's format version and app, each member's name
/// (the database, or `storage/blobs/<uuid>`; nothing else, never twice), its SHA-256 and size
/// against the manifest (the last member), the manifest listing exactly what was unpacked, the
/// gzip trailer, SQLite's `quick_check` of the database, and every blob its storage tables
/// name being present. Any failure removes the staging directory and throws.
struct BackupUnpacker {
    /// The verified staging directory, laid out as `data/<app>/` is (`app.sqlite`, `storage/blobs`, `storage/tmp`).
    let staging: String
    let manifest: BackupManifest

    /// - Parameter expectedApp: the app the archive must hold (`master` for the master's).
    static func unpack(archive: String, expectedApp: String, into staging: String) throws -> BackupUnpacker {
        let reader = try BackupArchiveReader(path: archive)
        defer { reader.close() }
        guard mkdir(staging, DataDirectory.directoryMode) == 0 else {
            throw BackupError.io("cannot create \(staging): \(String(cString: strerror(errno)))")
        }
        do {
            let manifest = try unpack(reader, expectedApp: expectedApp, into: staging)
            try checkDatabase(staging: staging, manifest: manifest)
            return BackupUnpacker(staging: staging, manifest: manifest)
        } catch {
            BackupStaging.remove(staging)
            throw error
        }
    }

    private static func unpack(_ reader: BackupArchiveReader, expectedApp: String,
                               into staging: String) throws -> BackupManifest {
        guard let first = try reader.nextHeader() else { throw BackupError.corrupt("it holds no members") }
        guard first.name == BackupManifest.headerMember else {
            throw BackupError.corrupt("the first member is \(BackupArchiveReader.printable(first.name)), not \(BackupManifest.headerMember) (not an appbase backup?)")
        }
        let header = try BackupManifest.parse(try reader.readContents(of: first), member: first.name)
        guard header.app == expectedApp else { throw BackupError.wrongApp(archive: header.app, requested: expectedApp) }
        let isMaster = expectedApp == BackupManifest.masterName
        if !isMaster {
            for directory in ["storage", "storage/blobs", "storage/tmp"] {
                guard mkdir(staging + "/" + directory, DataDirectory.directoryMode) == 0 else {
                    throw BackupError.io("cannot create \(staging)/\(directory): \(String(cString: strerror(errno)))")
                }
            }
        }
        var unpacked: [String: BackupManifest.File] = [:]
        while let member = try reader.nextHeader() {
            if member.name == BackupManifest.manifestMember {
                let manifest = try BackupManifest.parse(try reader.readContents(of: member), member: member.name)
                guard try reader.nextHeader() == nil else { throw BackupError.corrupt("members follow the manifest") }
                try reader.verifyTrailer()
                try compare(manifest, header: header, unpacked: unpacked)
                return manifest
            }
            guard isAllowed(member.name, master: isMaster) else {
                throw BackupError.corrupt("unexpected member \(BackupArchiveReader.printable(member.name))")
            }
            guard unpacked[member.name] == nil else { throw BackupError.corrupt("member \(member.name) appears twice") }
            let sum = try reader.extract(member, to: staging + "/" + member.name)
            unpacked[member.name] = BackupManifest.File(path: member.name, size: Int64(member.size), sha256: sum)
        }
        throw BackupError.truncated("it ends before its manifest")
    }

    /// The database, or a blob named by a canonical UUID.
    private static func isAllowed(_ name: String, master: Bool) -> Bool {
        if master { return name == BackupLayout.masterDatabaseMember }
        if name == BackupLayout.databaseMember { return true }
        guard name.hasPrefix(BackupLayout.blobPrefix) else { return false }
        return Identifier.isUUID(String(name.dropFirst(BackupLayout.blobPrefix.count)))
    }

    private static func compare(_ manifest: BackupManifest, header: BackupManifest,
                                unpacked: [String: BackupManifest.File]) throws {
        guard manifest.app == header.app else { throw BackupError.corrupt("the manifest names app \(manifest.app), the header \(header.app)") }
        var listed = Set<String>()
        for file in manifest.files {
            guard listed.insert(file.path).inserted else { throw BackupError.corrupt("the manifest lists \(file.path) twice") }
            guard let found = unpacked[file.path] else { throw BackupError.corrupt("\(file.path) is in the manifest but not in the archive") }
            guard found == file else { throw BackupError.checksumMismatch(path: file.path) }
        }
        if let extra = unpacked.keys.sorted().first(where: { !listed.contains($0) }) {
            throw BackupError.corrupt("\(extra) is in the archive but not in the manifest")
        }
    }

    /// `quick_check`, and the storage tables' blobs all present (an archive holds exactly them).
    private static func checkDatabase(staging: String, manifest: BackupManifest) throws {
        let isMaster = manifest.app == BackupManifest.masterName
        let path = staging + "/" + (isMaster ? BackupLayout.masterDatabaseMember : BackupLayout.databaseMember)
        guard access(path, F_OK) == 0 else { throw BackupError.corrupt("it holds no database") }
        do {
            let connection = try SQLiteConnection(path: path, mode: .readWrite)
            let verdict = try connection.queryOne("PRAGMA quick_check") { $0.text(0) } ?? "no answer"
            guard verdict == "ok" else { throw BackupError.corrupt("the database fails SQLite's quick_check: \(verdict)") }
            guard !isMaster else { return }
            let hasStorage = try connection.queryOne(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'storage_file_versions'") { $0.int64(0) } ?? 0
            guard hasStorage > 0 else { return }
            let blobs = try connection.query("SELECT blob_id FROM storage_file_versions") { $0.text(0) }
            for id in blobs where access("\(staging)/\(BackupLayout.blobPrefix)\(id)", F_OK) != 0 {
                throw BackupError.corrupt("blob \(BackupArchiveReader.printable(id)), named by the database, is missing")
            }
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError.corrupt("the database cannot be read: \(error)")
        }
    }
}
