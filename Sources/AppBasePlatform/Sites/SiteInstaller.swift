import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// Unpacks a checked archive into `data/<app>/site/`, replacing the old site in one step:
/// everything is written to a fresh temporary directory beside it, which is then renamed
/// into place (the old site is renamed aside first and removed after), so a request never
/// sees a half-written site. Blocking: run it off the loop (see `SiteRoutes`).
enum SiteInstaller {
    /// What was installed.
    struct Installed: Sendable, Equatable {
        var files: Int
        var bytes: Int
    }

    /// `data/<app>/site`.
    static func siteDirectory(dataRoot: String, app: String) -> String { "\(dataRoot)/\(app)/site" }

    /// Reads `archive` by its media type and installs it for `app`.
    /// - Throws: `SiteArchiveError` for a refused archive, `AppBaseError` for a disk failure.
    static func install(archive: [UInt8], mediaType: String, dataRoot: String, app: String,
                        limits: SiteLimits) throws -> Installed {
        let entries: [SiteArchiveEntry]
        switch mediaType {
        case "application/x-tar", "application/tar": entries = try TarArchive.entries(archive, limits: limits)
        case "application/zip", "application/x-zip-compressed": entries = try ZipArchive.entries(archive, limits: limits)
        default:
            throw AppBaseError(status: 415, code: .unsupportedMediaType,
                               message: "Send the site as application/x-tar or application/zip.")
        }
        return try install(entries, into: siteDirectory(dataRoot: dataRoot, app: app))
    }

    /// Writes `entries` to a temporary directory beside `site` and swaps it in.
    static func install(_ entries: [SiteArchiveEntry], into site: String) throws -> Installed {
        let parent = String(site[..<(site.lastIndex(of: "/") ?? site.startIndex)])
        try DataDirectory.create(parent)
        let staging = "\(parent)/.site-new-\(Identifier.requestID())"
        try makeDirectory(staging)
        do {
            var installed = Installed(files: 0, bytes: 0)
            for entry in entries {
                var path = staging
                for component in entry.components.dropLast() {
                    path += "/" + component
                    if mkdir(path, DataDirectory.directoryMode) != 0 && errno != EEXIST { throw failure("mkdir", path) }
                }
                path += "/" + (entry.components.last ?? "")
                switch entry.kind {
                case .directory:
                    if mkdir(path, DataDirectory.directoryMode) != 0 && errno != EEXIST { throw failure("mkdir", path) }
                case .file:
                    try writeNew(path, entry.contents, member: entry.components.joined(separator: "/"))
                    installed.files += 1
                    installed.bytes += entry.contents.count
                }
            }
            try swapIn(staging, at: site, parent: parent)
            return installed
        } catch {
            removeTree(staging)
            throw error
        }
    }

    /// Renames `staging` to `site`; an existing site is renamed aside first, removed after.
    private static func swapIn(_ staging: String, at site: String, parent: String) throws {
        let old = "\(parent)/.site-old-\(Identifier.requestID())"
        let hadOld = rename(site, old) == 0
        if !hadOld && errno != ENOENT { throw failure("rename", site) }
        guard rename(staging, site) == 0 else {
            let error = failure("rename", staging)
            if hadOld { _ = rename(old, site) }
            throw error
        }
        if hadOld { removeTree(old) }
    }

    private static func makeDirectory(_ path: String) throws {
        guard mkdir(path, DataDirectory.directoryMode) == 0 else { throw failure("mkdir", path) }
    }

    /// Creates `path` (it must not exist: a duplicate member is refused) and writes `bytes`.
    private static func writeNew(_ path: String, _ bytes: [UInt8], member: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, DataDirectory.fileMode)
        guard descriptor >= 0 else {
            if errno == EEXIST || errno == EISDIR {
                throw SiteArchiveError.malformed("member \(SitePath.printable(member)) appears twice")
            }
            throw failure("open", path)
        }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(descriptor, base + written, buffer.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("write", path) }
            written += count
        }
    }

    /// Removes `path` and everything below it, never following a symbolic link.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in DirectoryListing.names(in: path) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    private static func failure(_ call: String, _ path: String) -> AppBaseError {
        AppBaseError.internalError(cause: "\(call) \(path): \(String(cString: strerror(errno)))")
    }
}
