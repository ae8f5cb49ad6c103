import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// The data directory's tree and who may touch it.
///
/// Every app's `app.sqlite` holds the master secret its token and signed-URL keys derive from,
/// so the whole tree is this user's alone: directories `0700`, files `0600`. New directories
/// are made so here, new files where they are opened (SQLite, blobs, the lock, the control
/// socket); a tree an older version made looser is tightened at start-up; and a directory
/// another user could write into (to plant or swap a database) is refused.
public enum DataDirectory {
    /// The mode of every directory under the data directory.
    public static let directoryMode: mode_t = 0o700
    /// The mode of every file under the data directory.
    public static let fileMode: mode_t = 0o600

    /// The deepest level `tightenPermissions` descends to; the tree is four levels deep
    /// (`data/<app>/storage/blobs/<id>`), so anything deeper is not ours and is left alone.
    static let maxDepth = 8

    /// Creates `path` and its missing parents, each `0700` (an existing one is left as it is).
    public static func create(_ path: String) throws {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/\(component)"
            if mkdir(partial, directoryMode) != 0 && errno != EEXIST {
                throw AppBaseError.internalError(cause: "mkdir \(partial): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Refuses a data directory that another user can write: one with the group or other write
    /// bit, or owned by another uid.
    /// - Throws: `DataDirectoryUnsafeError` naming the directory and the fix.
    public static func checkOwnedByThisUser(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw AppBaseError.internalError(cause: "stat \(path): \(String(cString: strerror(errno)))")
        }
        let user = geteuid()
        if info.st_uid != user {
            throw DataDirectoryUnsafeError(directory: path, reason: .ownedByAnotherUser(owner: info.st_uid, user: user))
        }
        if info.st_mode & 0o022 != 0 {
            throw DataDirectoryUnsafeError(directory: path, reason: .writableByOthers(mode: info.st_mode & 0o7777))
        }
    }

    /// Removes group and other permissions from everything under `path` (and `path` itself),
    /// without following symbolic links. Files an older version created `0644` and directories
    /// it created `0750` end up `0600` and `0700`; anything already tight is not touched.
    /// - Returns: what was changed, for one log line.
    /// - Throws: when a `chmod` fails (an entry owned by another user, say).
    public static func tightenPermissions(under path: String) throws -> PermissionTightening {
        var result = PermissionTightening()
        try tighten(path, depth: 0, into: &result)
        return result
    }

    private static func tighten(_ path: String, depth: Int, into result: inout PermissionTightening) throws {
        try walk(path, depth: depth) { entry, info in
            guard info.st_mode & 0o077 != 0 else { return }
            guard chmod(entry, info.st_mode & 0o700) == 0 else {
                throw AppBaseError.internalError(cause: "chmod \(entry): \(String(cString: strerror(errno)))")
            }
            if info.st_mode & S_IFMT == S_IFDIR { result.directories += 1 } else { result.files += 1 }
        }
    }

    /// The entries under `path` (and `path` itself) that the group or other users may access —
    /// what `tightenPermissions` would change — without following symbolic links and without
    /// changing anything; `appbase doctor` reports them.
    /// - Throws: when a directory cannot be read.
    public static func looseEntries(under path: String) throws -> [String] {
        var found: [String] = []
        try walk(path, depth: 0) { entry, info in
            if info.st_mode & 0o077 != 0 { found.append(entry) }
        }
        return found
    }

    /// Visits `path` and, for a directory, everything below it down to `maxDepth`, parents
    /// before children (so a visitor that opens a directory's mode runs before it is listed).
    /// Symbolic links are neither visited nor followed, except `path` itself at depth 0.
    private static func walk(_ path: String, depth: Int, _ visit: (String, stat) throws -> Void) throws {
        var info = stat()
        // The data directory itself may be a symbolic link an operator made; nothing below it is followed.
        guard (depth == 0 ? stat(path, &info) : lstat(path, &info)) == 0 else {
            // Removed meanwhile (an upload's temp file, say): nothing left to visit.
            if errno == ENOENT { return }
            throw AppBaseError.internalError(cause: "lstat \(path): \(String(cString: strerror(errno)))")
        }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFLNK { return }
        try visit(path, info)
        guard kind == S_IFDIR, depth < maxDepth else { return }
        for name in try entries(of: path) {
            try walk(path + "/" + name, depth: depth + 1, visit)
        }
    }

    private static func entries(of path: String) throws -> [String] {
        guard let names = DirectoryListing.names(in: path) else {
            throw AppBaseError.internalError(cause: "opendir \(path): \(String(cString: strerror(errno)))")
        }
        return names
    }
}

/// What `DataDirectory.tightenPermissions` changed.
public struct PermissionTightening: Sendable, Equatable {
    /// Directories set to `0700`.
    public var directories = 0
    /// Files set to `0600`.
    public var files = 0

    public init() {}

    /// Whether nothing needed changing.
    public var isEmpty: Bool { directories == 0 && files == 0 }
}

/// The data directory can be written by someone other than this user, so its databases and
/// secrets could be replaced or read: the server and the CLI refuse to use it.
public struct DataDirectoryUnsafeError: Error, CustomStringConvertible, Sendable {
    /// Why it is unsafe.
    public enum Reason: Sendable, Equatable {
        case writableByOthers(mode: mode_t)
        case ownedByAnotherUser(owner: uid_t, user: uid_t)
    }

    public let directory: String
    public let reason: Reason

    public var description: String {
        switch reason {
        case .writableByOthers(let mode):
            return "refusing to use the data directory \(directory): other users can write to it (mode "
                + "0\(String(mode, radix: 8))); it holds every app's secrets, so run `chmod 700 \(directory)`"
        case .ownedByAnotherUser(let owner, let user):
            return "refusing to use the data directory \(directory): it is owned by uid \(owner), not by this user "
                + "(uid \(user)); run appbase as its owner or `chown` it"
        }
    }
}
