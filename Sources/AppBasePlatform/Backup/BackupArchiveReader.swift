import AppBaseCore
import CZlib
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// Reads a backup archive member by member, streaming: gzip through zlib's `gz*` API, tar
/// headers through `TarHeader`. Only regular-file members are accepted (the writer makes no
/// other kind). A short read anywhere is `truncated`; a gzip error (bad CRC, bad data) or a bad
/// header is `corrupt`.
///
/// Ownership: the reader owns its descriptor until `close()` (or deinit); one thread at a time.
final class BackupArchiveReader {
    /// The largest JSON member read into memory (the manifest of a very large app still fits).
    static let maxJSONMemberBytes = 64 << 20
    let path: String
    private var file: gzFile?
    private var buffer = [UInt8](repeating: 0, count: BackupArchiveWriter.chunkSize)

    /// Opens `path`. - Throws: `.io` when it cannot be opened, `.corrupt` when it is not gzip.
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard let file = gzdopen(fd, "rb") else {
            Glibc.close(fd)
            throw BackupError.io("cannot start gunzip for \(path)")
        }
        self.file = file
        gzbuffer(file, UInt32(BackupArchiveWriter.chunkSize))
        // zlib reads a file without a gzip header as plain bytes: refuse it instead.
        var probe: UInt8 = 0
        let count = gzread(file, &probe, 1)
        guard count == 1 else {
            close()
            throw count == 0 ? BackupError.truncated("the file is empty") : BackupError.corrupt("not a gzip file")
        }
        guard gzdirect(file) == 0 else {
            close()
            throw BackupError.corrupt("not a gzip file")
        }
        pending = probe
    }

    /// The byte read by `init` to detect a non-gzip file, handed out first.
    private var pending: UInt8?

    deinit { close() }

    func close() {
        if let file { gzclose(file) }
        file = nil
    }

    /// The next member's header, nil at the end-of-archive marker.
    /// - Throws: `.truncated` when the archive ends without the marker; `.corrupt` for a bad header
    ///   or a member that is not a regular file.
    func nextHeader() throws -> TarHeader? {
        var block = [UInt8](repeating: 0, count: TarHeader.blockSize)
        try readExactly(into: &block, count: TarHeader.blockSize, what: "a member header")
        let header: TarHeader?
        do {
            header = try TarHeader.parse(block[...])
        } catch {
            throw BackupError.corrupt(error.reason)
        }
        guard let header else { return nil }
        guard header.isRegularFile else { throw BackupError.corrupt("member \(BackupArchiveReader.printable(header.name)) is not a regular file") }
        return header
    }

    /// The contents of the member whose header was just read, whole (for the JSON members).
    func readContents(of header: TarHeader) throws -> [UInt8] {
        guard header.size <= Self.maxJSONMemberBytes else { throw BackupError.corrupt("\(header.name) is too large") }
        var bytes = [UInt8](repeating: 0, count: header.size)
        try readExactly(into: &bytes, count: header.size, what: header.name)
        try skipPadding(after: header.size, of: header.name)
        return bytes
    }

    /// Streams the member's contents to `destination` (created 0600, must not exist), fsyncs it
    /// and returns its SHA-256.
    func extract(_ header: TarHeader, to destination: String) throws -> String {
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot create \(destination): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        var hasher = SHA256()
        var remaining = header.size
        while remaining > 0 {
            let want = min(remaining, buffer.count)
            try readExactly(into: &buffer, count: want, what: header.name)
            let failed = buffer.withUnsafeBytes { raw -> Bool in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<want])
                hasher.update(bufferPointer: chunk)
                return !Self.writeAll(fd, chunk)
            }
            if failed { throw BackupError.io("cannot write \(destination): \(String(cString: strerror(errno)))") }
            remaining -= want
        }
        guard fsync(fd) == 0 else { throw BackupError.io("cannot fsync \(destination): \(String(cString: strerror(errno)))") }
        try skipPadding(after: header.size, of: header.name)
        return ASCII.lowercaseHex(hasher.finalize())
    }

    /// Reads what follows the end marker to its end, so a damaged gzip trailer (CRC, length) is found.
    func verifyTrailer() throws {
        var sink = [UInt8](repeating: 0, count: 4096)
        // Bounded: tar pads to a record of at most 20 blocks; anything much longer is not ours.
        for _ in 0..<64 {
            let capacity = sink.count
            let count = try readSome(into: &sink, count: capacity, what: "the end of the archive")
            if count == 0 { return }
        }
        throw BackupError.corrupt("unexpected data after the end of the archive")
    }

    private func skipPadding(after size: Int, of name: String) throws {
        let count = TarHeader.padding(after: size)
        guard count > 0 else { return }
        var padding = [UInt8](repeating: 0, count: count)
        try readExactly(into: &padding, count: count, what: name)
    }

    private func readExactly(into bytes: inout [UInt8], count: Int, what: String) throws {
        var filled = 0
        while filled < count {
            let got = try bytes.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) throws -> Int in
                let window = UnsafeMutableRawBufferPointer(rebasing: raw[filled..<count])
                return try readSome(into: window, what: what)
            }
            guard got > 0 else { throw BackupError.truncated("it ends inside \(Self.printable(what))") }
            filled += got
        }
    }

    private func readSome(into bytes: inout [UInt8], count: Int, what: String) throws -> Int {
        try bytes.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) throws -> Int in
            try readSome(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), what: what)
        }
    }

    /// One `gzread`; 0 at the end of the data.
    private func readSome(into window: UnsafeMutableRawBufferPointer, what: String) throws -> Int {
        guard let file, let base = window.baseAddress, window.count > 0 else { return 0 }
        if let byte = pending {
            pending = nil
            window[0] = byte
            return 1
        }
        let count = Int(gzread(file, base, UInt32(window.count)))
        var code: Int32 = 0
        let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown"
        if code == Z_BUF_ERROR { throw BackupError.truncated("the gzip stream ends inside \(Self.printable(what))") }
        if count < 0 || code != Z_OK {
            throw BackupError.corrupt("gzip error in \(Self.printable(what)): \(message)")
        }
        return count
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let count = write(fd, base + offset, bytes.count - offset)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }

    /// A member name cut and stripped of control characters before it is shown.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(120).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
