#if canImport(Glibc)
import Glibc
#endif

/// Scratch directories under `/tmp` for tests that need real files, and the few file
/// operations such tests run in them (no Foundation).
public enum TemporaryDirectory {
    /// Why a file operation failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates a new, empty directory `/tmp/<prefix>-XXXXXX` and returns its path.
    /// - Throws: `Failure` when `mkdtemp` fails.
    public static func make(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let created else { throw Failure(description: "mkdtemp /tmp/\(prefix)-XXXXXX failed: \(errno)") }
        return created
    }

    /// Removes `path` and everything below it; nothing happens when it does not exist.
    public static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// The names in directory `path`, sorted (empty when it does not exist).
    public static func list(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// True when something (a file, directory or link) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Writes `bytes` to `path`, creating or truncating the file.
    /// - Throws: `Failure` when the file cannot be opened or fully written.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "open \(path): \(errno)") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw Failure(description: "write \(path): \(errno)") }
    }
}
