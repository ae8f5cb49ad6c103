#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the CA needs: read a PEM file, write a secret atomically (`0600`,
/// written to a temporary file in the same directory then renamed, so a crash never leaves
/// half a key), and make the `0700` directory that holds them.
enum TLSFiles {
    static func read(_ path: String) throws(TLSError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TLSError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw TLSError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            // PEM files of a CA or a chain are a few KiB: refuse anything absurd.
            guard bytes.count <= 1 << 20 else { throw TLSError("\(path) is larger than 1 MiB; not a certificate or key") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Creates `path` as a `0700` directory (or tightens an existing one).
    static func makePrivateDirectory(_ path: String) throws(TLSError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw TLSError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard chmod(path, 0o700) == 0 else { throw TLSError("cannot restrict \(path) to 0700: \(String(cString: strerror(errno)))") }
    }

    /// Writes `text` to `path` with mode `mode`, atomically.
    static func write(_ text: String, to path: String, mode: mode_t) throws(TLSError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw TLSError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                close(descriptor)
                unlink(temporary)
                throw TLSError("cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            written += count
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced, fchmodat(AT_FDCWD, temporary, mode, 0) == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw TLSError("cannot store \(path): \(String(cString: strerror(errno)))")
        }
    }
}
