import AppBaseCore
import CZlib
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// Writes a backup archive: a ustar stream (`TarHeader`) compressed with gzip (zlib's `gz*`
/// API over a file descriptor), each file streamed once in `chunkSize` pieces and hashed on the
/// way, so memory stays flat whatever the size of the app's files.
///
/// Ownership: the writer owns its descriptor from `init` until `finish()` or `abandon()`; it is
/// used by one thread at a time (the backup's own).
final class BackupArchiveWriter {
    static let chunkSize = 1 << 20
    let path: String
    private let descriptor: Int32
    private var file: gzFile?
    private var buffer = [UInt8](repeating: 0, count: BackupArchiveWriter.chunkSize)
    /// Uncompressed bytes written (headers, data, padding).
    private(set) var written: Int64 = 0
    /// The gzip level asked for; a file whose first chunk does not compress is stored (level 0).
    private let level: Int32
    /// A file's first chunk must shrink below this share of its size to be compressed.
    static let compressibleShare = 0.9
    /// Write-behind: every this many bytes given to the archive, what reached the file is
    /// synced and dropped from the page cache. A gigabyte left dirty until the final fsync is
    /// written back in one burst that takes the cores and the disk from request handling for
    /// seconds; synced as it goes, the backup's I/O is steady, and it does not fill the page
    /// cache with pages nobody reads again.
    static let writeBehindBytes: Int64 = 8 << 20
    /// `written` at the last write-behind, and the file offset synced and dropped so far.
    private var writtenAtLastSync: Int64 = 0
    private var droppedThrough: off_t = 0

    /// Creates `path` (mode 0600; it must not exist).
    /// - Parameter level: the gzip level, 1 (fast) … 9 (small); 1 by default, since blobs are
    ///   often compressed already (see the ADR's measurements).
    init(path: String, level: Int = 1) throws {
        self.path = path
        self.level = Int32(min(9, max(1, level)))
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        guard let file = gzdopen(fd, "wb\(min(9, max(1, level)))") else {
            close(fd)
            throw BackupError.io("cannot start gzip for \(path)")
        }
        descriptor = fd
        self.file = file
        gzbuffer(file, UInt32(Self.chunkSize))
    }

    deinit { if file != nil { abandon() } }

    /// Adds a member with `bytes` as its contents (the JSON members).
    func add(name: String, bytes: [UInt8], modifiedAt seconds: Int64) throws {
        try writeHeader(name: name, size: bytes.count, modifiedAt: seconds)
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in try write(raw) }
        try pad(after: bytes.count)
    }

    /// Adds the file at `source` as member `name`, hashing it as it is read.
    /// - Returns: its manifest entry.
    /// - Throws: `BackupError.io` when it cannot be read or changes size while it is.
    func addFile(name: String, from source: String, modifiedAt seconds: Int64) throws -> BackupManifest.File {
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io("cannot read \(source): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw BackupError.io("cannot stat \(source): \(String(cString: strerror(errno)))") }
        let size = Int(info.st_size)
        try writeHeader(name: name, size: size, modifiedAt: seconds)
        var hasher = SHA256()
        var remaining = size
        while remaining > 0 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, min($0.count, remaining)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw BackupError.io("\(source) became shorter while it was archived") }
            if remaining == size { chooseLevel(forFirstChunkOf: count) }
            try buffer.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                hasher.update(bufferPointer: chunk)
                try write(chunk)
            }
            remaining -= count
        }
        try pad(after: size)
        if let file { gzsetparams(file, level, Z_DEFAULT_STRATEGY) }
        return BackupManifest.File(path: name, size: Int64(size), sha256: ASCII.lowercaseHex(hasher.finalize()))
    }

    /// Stores the file being added without compression (level 0) when its first chunk, in
    /// `buffer[0..<count]`, does not shrink at the archive's level: stored files (images, PDFs,
    /// archives) are mostly compressed already, and deflating them again costs the backup most of
    /// its time for nothing (measured in Benchmarks/backup; ADR 0037).
    private func chooseLevel(forFirstChunkOf count: Int) {
        guard let file, count >= 4096 else { return }
        let sample = min(count, 64 << 10)
        var bound = compressBound(uLong(sample))
        var scratch = [UInt8](repeating: 0, count: Int(bound))
        let result = buffer.withUnsafeBytes { raw in
            compress2(&scratch, &bound, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(sample), level)
        }
        let compressible = result == Z_OK && Double(bound) < Double(sample) * Self.compressibleShare
        if !compressible { gzsetparams(file, 0, Z_DEFAULT_STRATEGY) }
    }

    /// Writes the end-of-archive marker, flushes, fsyncs and closes.
    func finish() throws {
        let zeros = [UInt8](repeating: 0, count: 2 * TarHeader.blockSize)
        try zeros.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in try write(raw) }
        guard let file else { throw BackupError.io("the archive \(path) is already closed") }
        guard gzflush(file, Z_FINISH) == Z_OK, fsync(descriptor) == 0 else {
            throw BackupError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        self.file = nil
        // gzclose closes the descriptor too.
        guard gzclose(file) == Z_OK else { throw BackupError.io("cannot close \(path)") }
    }

    /// Closes and removes a partial archive.
    func abandon() {
        if let file { gzclose(file) }
        file = nil
        unlink(path)
    }

    private func writeHeader(name: String, size: Int, modifiedAt seconds: Int64) throws {
        let header: [UInt8]
        do {
            header = try TarHeader.encodeFile(name: name, size: size, modifiedAt: seconds)
        } catch {
            throw BackupError.io("cannot archive \(name): \(error.reason)")
        }
        try header.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in try write(raw) }
    }

    private func pad(after size: Int) throws {
        let count = TarHeader.padding(after: size)
        guard count > 0 else { return }
        let zeros = [UInt8](repeating: 0, count: count)
        try zeros.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in try write(raw) }
    }

    /// Syncs what reached the file and drops it from the page cache (see `writeBehindBytes`).
    private func writeBehind() throws {
        writtenAtLastSync = written
        let position = lseek(descriptor, 0, SEEK_CUR)
        guard position > droppedThrough else { return }
        guard fdatasync(descriptor) == 0 else { throw BackupError.io("cannot write \(path): \(String(cString: strerror(errno)))") }
        // Advice only: a failure changes nothing but the cache.
        _ = posix_fadvise(descriptor, droppedThrough, position - droppedThrough, POSIX_FADV_DONTNEED)
        droppedThrough = position
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        guard let file, let base = bytes.baseAddress else { throw BackupError.io("the archive \(path) is already closed") }
        guard gzwrite(file, base, UInt32(bytes.count)) == Int32(bytes.count) else {
            throw BackupError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        written += Int64(bytes.count)
        if written - writtenAtLastSync >= Self.writeBehindBytes { try writeBehind() }
    }
}
