import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// The few file operations `appbase install` and `appbase doctor` need outside the data
/// directory: read a small file, write one atomically with a mode, make a directory, compare.
/// Blocking; used only by the CLI's one-shot commands.
enum SystemFiles {
    /// Why a file operation failed: the operation, the path and `strerror`.
    struct Failure: Error, CustomStringConvertible, Equatable {
        let description: String
        init(_ operation: String, _ path: String, code: Int32 = errno) {
            description = "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        }
    }

    /// The bytes of `path`, at most `limit` of them (more is an error); nil when it does not exist.
    static func read(_ path: String, limit: Int = 1 << 30) throws(Failure) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw Failure("read", path)
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Failure("read", path) }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= limit else { throw Failure("read", path, code: EFBIG) }
        }
    }

    /// `path` as text, nil when it does not exist.
    static func readText(_ path: String, limit: Int = 4 << 20) throws(Failure) -> String? {
        try read(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `bytes` to `path` with `mode`: into a temporary file beside it, fsynced, then
    /// renamed over it, so a reader (or a running server's binary) never sees half a file.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws(Failure) {
        let temporary = "\(path).appbase-\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw Failure("create", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw Failure("write", temporary, code: code)
            }
            written += count
        }
        // The umask narrowed the mode given to open(); set it exactly.
        guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            unlink(temporary)
            throw Failure("write", temporary, code: code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure("rename into", path, code: code)
        }
    }

    /// Writes `bytes` to `path` with `mode` only if no file is there, complete or not at all: a
    /// temporary file is written and fsynced, then hard-linked to `path`, which fails rather than
    /// replace anything (even a file that appeared meanwhile).
    /// - Returns: false when `path` already existed (nothing was written).
    static func createExclusively(_ bytes: [UInt8], at path: String, mode: mode_t) throws(Failure) -> Bool {
        let temporary = "\(path).appbase-\(getpid()).new"
        try writeAtomically(bytes, to: temporary, mode: mode)
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw Failure("create", path)
    }

    /// Creates `path` and its missing parents (parents `0755`, `path` itself `mode`).
    /// - Returns: whether `path` was created now.
    @discardableResult
    static func makeDirectories(_ path: String, mode: mode_t) throws(Failure) -> Bool {
        var partial = ""
        var created = false
        let components = path.split(separator: "/")
        for (index, component) in components.enumerated() {
            partial += "/\(component)"
            let last = index == components.count - 1
            if mkdir(partial, last ? mode : 0o755) == 0 {
                created = last
            } else if errno != EEXIST {
                throw Failure("create", partial)
            }
        }
        if created && chmod(path, mode) != 0 { throw Failure("chmod", path) }
        return created
    }

    /// `stat` of `path` without following a final symbolic link; nil when it does not exist.
    static func status(_ path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }
}
