import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// A failed file-system call: the operation, the path (a server-generated one, never a client's
/// name) and `errno`.
struct FileIOError: Error, Sendable, CustomStringConvertible {
    let operation: String
    let path: String
    let code: Int32

    var description: String { "\(operation)(\(path)) failed: errno \(code)" }

    /// Whether the file simply does not exist.
    var isNotFound: Bool { code == ENOENT }

    /// The error a client sees: 503 when the disk is full, an opaque 500 otherwise.
    var appBaseError: AppBaseError {
        if code == ENOSPC || code == EDQUOT {
            return AppBaseError(status: 503, code: .unavailable, message: "Storage is full; retry later.",
                                retryAfterSeconds: 60, cause: description)
        }
        return .internalError(cause: description)
    }
}

/// Thin, blocking wrappers over the file-system calls the storage service makes.
///
/// Invariant: every function here blocks, so it is only called on a dedicated thread (the
/// service's I/O threads or a database reader thread), never on the event loop or the
/// cooperative pool. Paths are always built from server-generated ids.
enum FileIO {
    /// Creates a new file for writing, failing if it exists (`O_EXCL`) or is a symlink.
    static func createExclusive(_ path: String) throws(FileIOError) -> Int32 {
        let descriptor = retrying { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        guard descriptor >= 0 else { throw FileIOError(operation: "open", path: path, code: errno) }
        return descriptor
    }

    /// Opens an existing file for reading (never through a symlink).
    static func openForReading(_ path: String) throws(FileIOError) -> Int32 {
        let descriptor = retrying { open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard descriptor >= 0 else { throw FileIOError(operation: "open", path: path, code: errno) }
        return descriptor
    }

    /// Writes all of `bytes`, retrying short writes and `EINTR`.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(FileIOError) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(descriptor, base, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileIOError(operation: "write", path: path, code: errno)
            }
            remaining -= written
            base += written
        }
    }

    /// Flushes the file's data and metadata to the disk.
    static func sync(_ descriptor: Int32, path: String) throws(FileIOError) {
        guard retrying({ fsync(descriptor) }) == 0 else { throw FileIOError(operation: "fsync", path: path, code: errno) }
    }

    /// Makes a directory's entries durable (after a rename or link into it).
    static func syncDirectory(_ path: String) throws(FileIOError) {
        let descriptor = retrying { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw FileIOError(operation: "open", path: path, code: errno) }
        defer { close(descriptor) }
        try sync(descriptor, path: path)
    }

    /// Starts writing back `length` bytes at `offset` without waiting, and lets the kernel drop
    /// pages already written back, so a large upload's final fsync has little left to do.
    static func startWriteback(_ descriptor: Int32, offset: Int64, length: Int64) {
        _ = posix_fadvise(descriptor, off_t(offset), off_t(length), POSIX_FADV_DONTNEED)
    }

    /// The size of an open file.
    static func size(_ descriptor: Int32, path: String) throws(FileIOError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileIOError(operation: "fstat", path: path, code: errno) }
        return Int64(info.st_size)
    }

    /// Renames atomically within one file system.
    static func rename(_ source: String, to destination: String) throws(FileIOError) {
        guard Glibc.rename(source, destination) == 0 else {
            throw FileIOError(operation: "rename", path: destination, code: errno)
        }
    }

    /// Adds a second name for the same bytes (restoring a version costs no copy).
    static func link(_ source: String, to destination: String) throws(FileIOError) {
        guard Glibc.link(source, destination) == 0 else { throw FileIOError(operation: "link", path: source, code: errno) }
    }

    /// The last modification time of `path` in milliseconds since the epoch; nil when it cannot be read.
    static func modificationMilliseconds(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
    }

    /// Removes a name; a missing file is not an error. Returns whether something was removed.
    @discardableResult
    static func remove(_ path: String) throws(FileIOError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw FileIOError(operation: "unlink", path: path, code: errno)
    }

    /// Creates a directory (mode 0700) unless it exists.
    static func makeDirectory(_ path: String) throws(FileIOError) {
        if mkdir(path, 0o700) == 0 || errno == EEXIST { return }
        throw FileIOError(operation: "mkdir", path: path, code: errno)
    }

    /// The names in a directory, without `.` and `..`.
    static func listDirectory(_ path: String) throws(FileIOError) -> [String] {
        guard let names = DirectoryListing.names(in: path) else { throw FileIOError(operation: "opendir", path: path, code: errno) }
        return names
    }

    /// Closes a descriptor (errors on close of a file already fsynced carry no information).
    static func closeDescriptor(_ descriptor: Int32) {
        _ = close(descriptor)
    }

    private static func retrying(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }
}
