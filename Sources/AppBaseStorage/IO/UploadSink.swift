import AppBaseCore
import Crypto
import Synchronization

/// Streams one upload into its temp file on one I/O thread, computing the SHA-256 on the way.
///
/// `append` queues a write and returns at once while fewer than `maxQueuedWrites` are pending,
/// so the socket keeps being read while the disk writes (a pipeline, not a ping-pong); beyond
/// that it waits, so memory stays bounded (about `maxQueuedWrites` buffers) whatever the size.
/// Writes run in order because they all go to the same thread.
///
/// Ownership: the sink owns the temp file's descriptor from `create` until `finish` (fsync,
/// close) or `abort` (close, unlink). `disk` is only touched on `thread`, so its lock is never
/// contended; `flow` is touched briefly from both sides and never held across a system call.
final class UploadSink: Sendable {
    /// What a finished upload wrote.
    struct Written: Sendable {
        var size: Int64
        var sha256: String
    }

    private struct Disk {
        var descriptor: Int32
        var hasher = SHA256()
        var written: Int64 = 0
        var writebackFrom: Int64 = 0
    }

    private struct Flow {
        var queued = 0
        var failure: FileIOError?
        var waiter: CheckedContinuation<Void, Never>?
    }

    /// Batches queued before `append` waits.
    static let maxQueuedWrites = 3
    /// Bytes after which writeback of what was written so far is started (see `FileIO.startWriteback`).
    static let writebackInterval: Int64 = 8 << 20

    let temporaryPath: String
    private let thread: DedicatedThread
    private let disk: Mutex<Disk>
    private let flow = Mutex(Flow())

    private init(temporaryPath: String, thread: DedicatedThread, descriptor: Int32) {
        self.temporaryPath = temporaryPath
        self.thread = thread
        disk = Mutex(Disk(descriptor: descriptor))
    }

    /// Creates the temp file on one of `store`'s threads.
    static func create(in store: BlobStore, milliseconds: Int64) async throws -> UploadSink {
        let path = store.newTemporaryPath(milliseconds: milliseconds)
        let thread = store.thread()
        let descriptor = try await thread.run { try FileIO.createExclusive(path) }
        return UploadSink(temporaryPath: path, thread: thread, descriptor: descriptor)
    }

    /// Queues `chunks` to be written (in order) and hashed; waits while too many batches are
    /// pending. The chunks are handed over as they came from the socket: no copy is made here.
    /// - Throws: the `FileIOError` of an earlier write that failed.
    func append(_ chunks: [[UInt8]]) async throws {
        guard !chunks.isEmpty else { return }
        await waitForRoom()
        try flow.withLock { flow throws(FileIOError) in
            if let failure = flow.failure { throw failure }
            flow.queued += 1
        }
        thread.execute { [self] in write(chunks) }
    }

    /// Waits for the queued writes, then — in one visit to the I/O thread — fsyncs and closes the
    /// file, renames it to `destination` and fsyncs `directory`, so the blob is durable under its
    /// final name before any row can point at it.
    /// - Throws: the first write error, or that of fsync or rename (the caller then aborts the
    ///   sink and discards `destination`, which a failed directory fsync may leave behind).
    func finish(publishingAs destination: String, in directory: String) async throws -> Written {
        try await thread.run { [self] () throws -> Written in
            if let failure = flow.withLock({ $0.failure }) { throw failure }
            let path = temporaryPath
            let written = try disk.withLock { disk throws(FileIOError) -> Written in
                try FileIO.sync(disk.descriptor, path: path)
                FileIO.closeDescriptor(disk.descriptor)
                disk.descriptor = -1
                return Written(size: disk.written, sha256: Self.hex(disk.hasher.finalize()))
            }
            try FileIO.rename(path, to: destination)
            try FileIO.syncDirectory(directory)
            return written
        }
    }

    /// Closes (if still open) and removes the temp file. Safe to call after `finish` too.
    func abort() async {
        _ = try? await thread.run { [self] in
            disk.withLock { disk in
                if disk.descriptor >= 0 { FileIO.closeDescriptor(disk.descriptor) }
                disk.descriptor = -1
            }
            try FileIO.remove(temporaryPath)
        }
    }

    private func waitForRoom() async {
        while flow.withLock({ $0.queued >= Self.maxQueuedWrites && $0.failure == nil }) {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = flow.withLock { flow -> Bool in
                    if flow.queued < Self.maxQueuedWrites || flow.failure != nil { return true }
                    flow.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// On `thread`: writes, hashes and kicks off writeback every `writebackInterval` bytes.
    private func write(_ chunks: [[UInt8]]) {
        let failed = flow.withLock { $0.failure != nil }
        var error: FileIOError?
        if !failed {
            let path = temporaryPath
            error = disk.withLock { disk -> FileIOError? in
                guard disk.descriptor >= 0 else { return FileIOError(operation: "write", path: path, code: 9) }
                for bytes in chunks {
                    let failure = bytes.withUnsafeBytes { buffer -> FileIOError? in
                        do throws(FileIOError) {
                            try FileIO.writeAll(disk.descriptor, buffer, path: path)
                        } catch {
                            return error
                        }
                        disk.hasher.update(bufferPointer: buffer)
                        return nil
                    }
                    if let failure { return failure }
                    disk.written += Int64(bytes.count)
                }
                if disk.written - disk.writebackFrom >= Self.writebackInterval {
                    FileIO.startWriteback(disk.descriptor, offset: disk.writebackFrom, length: disk.written - disk.writebackFrom)
                    disk.writebackFrom = disk.written
                }
                return nil
            }
        }
        let waiter = flow.withLock { flow -> CheckedContinuation<Void, Never>? in
            flow.queued -= 1
            if let error, flow.failure == nil { flow.failure = error }
            defer { flow.waiter = nil }
            return flow.waiter
        }
        waiter?.resume()
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        ASCII.lowercaseHex(digest)
    }
}
