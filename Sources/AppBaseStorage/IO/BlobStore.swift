import AppBaseCore
import AppBaseHTTP
import Synchronization

/// An app's bytes on disk and the dedicated threads that touch them.
///
/// Layout under `data/<app>/storage/`: `tmp/<id>.part` for uploads in progress and
/// `blobs/<id>` for complete files, where every `<id>` is a server-generated UUID — client
/// names never reach a path, so traversal is impossible by construction (`path(forBlob:)`
/// refuses anything else). A blob is published by rename (atomic) and the directory fsynced
/// before its metadata row commits; rows are removed before their blobs are unlinked. So a blob
/// without a row can exist after a crash (the start-up sweep removes it), a row without its blob
/// cannot.
final class BlobStore: Sendable {
    let root: String
    let temporaryDirectory: String
    let blobDirectory: String
    private let threads: [DedicatedThread]
    private let nextThread = Atomic<Int>(0)

    /// Suffix of upload temp files.
    static let temporarySuffix = ".part"

    /// - Parameter idleTimeout: each I/O thread ends after this long without work and starts
    ///   again with the next (an app that stores nothing holds none).
    init(root: String, threadCount: Int, idleTimeout: Duration? = IdleThreads.timeout) {
        self.root = root
        temporaryDirectory = root + "/tmp"
        blobDirectory = root + "/blobs"
        threads = (0..<max(1, threadCount)).map { DedicatedThread(name: "storage-io-\($0)", idleTimeout: idleTimeout) }
    }

    /// The next I/O thread, round robin. An upload keeps the one it got, so its writes stay in order.
    func thread() -> DedicatedThread {
        let index = nextThread.add(1, ordering: .relaxed).oldValue
        return threads[index % threads.count]
    }

    /// Runs blocking file work on an I/O thread.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await thread().run(body)
    }

    /// The path of a blob. Throws for anything but a canonical UUID, so a damaged row can never
    /// name a path outside `blobs/`.
    func path(forBlob id: String) throws(FileIOError) -> String {
        guard Identifier.isUUID(id) else { throw FileIOError(operation: "blob-path", path: "<invalid id>", code: 22) }
        return blobDirectory + "/" + id
    }

    /// A fresh temp-file path for an upload.
    func newTemporaryPath(milliseconds: Int64) -> String {
        temporaryDirectory + "/" + Identifier.uuidV7(milliseconds: milliseconds) + Self.temporarySuffix
    }

    /// Creates `storage/`, `tmp/` and `blobs/` when missing.
    func prepareDirectories() async throws {
        let (root, temporary, blobs) = (self.root, temporaryDirectory, blobDirectory)
        try await run {
            try FileIO.makeDirectory(root)
            try FileIO.makeDirectory(temporary)
            try FileIO.makeDirectory(blobs)
        }
    }

    /// Gives an existing blob a second, durable name (restoring a version without copying).
    /// - Throws: `FileIOError` with `isNotFound` when the source is gone.
    func link(blob source: String, as destination: String) async throws {
        let from = try path(forBlob: source)
        let to = try path(forBlob: destination)
        let directory = blobDirectory
        try await run {
            try FileIO.link(from, to: to)
            try FileIO.syncDirectory(directory)
        }
    }

    /// Unlinks blobs whose rows are already gone. Returns the ids that could not be removed
    /// (the next start-up sweep retries them).
    func remove(blobs ids: [String]) async -> [String] {
        guard !ids.isEmpty else { return [] }
        let paths = ids.compactMap { try? path(forBlob: $0) }
        let failed = (try? await run { () -> [String] in
            paths.filter { path in (try? FileIO.remove(path)) == nil }
        }) ?? paths
        return failed
    }

    /// Opens a blob for sending. Blocking: call on a dedicated thread (a database reader's, so
    /// a download's lookup and open cost one hop). Returns nil when the blob is gone (deleted
    /// since the row was read).
    func openBlob(_ id: String, expectedSize: Int64) throws -> OwnedFileDescriptor? {
        let path = try path(forBlob: id)
        let descriptor: Int32
        do throws(FileIOError) {
            descriptor = try FileIO.openForReading(path)
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
        let owned = OwnedFileDescriptor(descriptor)
        let size = try FileIO.size(descriptor, path: path)
        guard size == expectedSize else {
            throw FileIOError(operation: "size-check", path: path, code: 5)
        }
        return owned
    }

    /// Crash cleanup: removes every temp file, and every blob whose id `isReferenced` rejects.
    /// Runs at start-up, before the app's port is bound, so no upload is in flight.
    func sweep(isReferenced: @escaping @Sendable (Set<String>) async throws -> Set<String>) async throws -> SweepResult {
        let (temporary, blobs) = (temporaryDirectory, blobDirectory)
        let listed = try await run { (try FileIO.listDirectory(temporary), try FileIO.listDirectory(blobs)) }
        let referenced = try await isReferenced(Set(listed.1.filter(Identifier.isUUID)))
        let orphans = listed.1.filter { !referenced.contains($0) }
        try await run {
            for name in listed.0 { try FileIO.remove(temporary + "/" + name) }
            for name in orphans { try FileIO.remove(blobs + "/" + name) }
            if !orphans.isEmpty { try FileIO.syncDirectory(blobs) }
        }
        return SweepResult(temporaryFiles: listed.0.count, orphanBlobs: orphans.count)
    }

    /// Removes temp files last written before `cutoff` (milliseconds since the epoch): an upload in
    /// progress writes to its file, so one untouched that long belongs to no upload. Returns how many.
    func removeTemporaryFiles(modifiedBefore cutoff: Int64) async throws -> Int {
        let temporary = temporaryDirectory
        return try await run {
            var removed = 0
            for name in try FileIO.listDirectory(temporary) {
                let path = temporary + "/" + name
                guard let modified = FileIO.modificationMilliseconds(path), modified < cutoff else { continue }
                if try FileIO.remove(path) { removed += 1 }
            }
            return removed
        }
    }

    /// What the start-up sweep removed.
    struct SweepResult: Sendable, Equatable {
        var temporaryFiles: Int
        var orphanBlobs: Int
    }

    /// Stops the I/O threads after their queued work.
    func shutdown() {
        threads.forEach { $0.shutdown() }
    }
}
