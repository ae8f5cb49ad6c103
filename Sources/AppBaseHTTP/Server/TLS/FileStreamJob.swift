import AppBaseCore
import CLibUV

/// Sends a file region through the transport in bounded chunks, for connections that cannot
/// use `sendfile(2)` (TLS: the bytes must pass through the cipher).
///
/// A chunk is read with `uv_fs_read` on libuv's pool (a cold disk read never blocks the loop) and
/// written through the transport, which encrypts it at once and keeps only ciphertext — so the
/// next chunk is read while the previous one drains to the socket (ADR 0041), and written once
/// that write is reported: at most one chunk of plaintext and two of ciphertext are in memory,
/// never the file. The write-stall deadline and the minimum transfer rate apply as to
/// `sendfile`. Ownership: the job retains itself while a read is in flight and the write queue's
/// follow-up holds it while a chunk drains; the exchange keeps the download slot; the job ends
/// silently when its exchange is no longer current.
final class FileStreamJob {
    /// 256 KiB: large enough that per-chunk overhead (a pool hop, a write report) is small
    /// against the cipher's work, small enough to keep memory per download bounded.
    static let chunkBytes = 256 * 1024
    private let request = UnsafeMutablePointer<uv_fs_t>.allocate(capacity: 1)
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: FileStreamJob.chunkBytes, alignment: 16)
    private let file: FileBody
    /// Where the next read starts, and how much is left to read.
    private var readOffset: Int64
    private var unread: Int64
    /// Bytes read into `buffer` and not yet written (0: the buffer is free).
    private var ready = 0
    private var reading = false
    /// A chunk's write has not been reported yet: the next one waits for it.
    private var draining = false
    private weak var connection: HTTPConnection?
    private weak var exchange: Exchange?
    private let pace: TransferPace
    private var window: TransferPace.Window

    init(file: FileBody, connection: HTTPConnection, exchange: Exchange) {
        self.file = file
        readOffset = file.offset
        unread = file.length
        self.connection = connection
        self.exchange = exchange
        pace = TransferPace(limits: connection.server.limits)
        window = TransferPace.Window(start: connection.server.nowMillis(), bytes: 0)
    }

    deinit {
        request.deallocate()
        buffer.deallocate()
    }

    /// The connection this job still writes to, if its exchange is still the current one.
    private var current: HTTPConnection? {
        guard let connection, case .exchanging(let now) = connection.state, now === exchange else { return nil }
        return connection
    }

    /// Starts the transfer: reads the first chunk.
    func start() { readNext() }

    /// The previous chunk's write was reported: write the next one if it is read (else its read
    /// completion will).
    func chunkWritten() {
        draining = false
        guard ready > 0 else { return }
        writeReady()
    }

    /// False once a whole rate window passed with fewer bytes read for the client than the
    /// minimum rate asks (checked before each read, and by the connection's sweeper while the
    /// job waits for a client that stopped reading).
    func keepsPace(now: Int64) -> Bool { unread == 0 || pace.allows(&window, now: now) }

    /// Reads the next chunk into the (free) buffer.
    private func readNext() {
        guard let connection = current, !reading, ready == 0, unread > 0 else { return }
        guard keepsPace(now: connection.server.nowMillis()) else {
            connection.close(reason: "download slower than the minimum rate")
            return
        }
        reading = true
        var slice = uv_buf_init(buffer.assumingMemoryBound(to: CChar.self), UInt32(min(unread, Int64(Self.chunkBytes))))
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let result = uv_fs_read(connection.server.loop.raw.loop, request, file.descriptor.rawValue, &slice, 1, readOffset) { request in
            guard let request, let data = request.pointee.data else { return }
            let job = Unmanaged<FileStreamJob>.fromOpaque(data).takeRetainedValue()
            let count = request.pointee.result
            uv_fs_req_cleanup(request)
            job.didRead(count)
        }
        if result != 0 {
            reading = false
            Unmanaged<FileStreamJob>.fromOpaque(request.pointee.data).release()
            connection.close(reason: "file read failed")
        }
    }

    private func didRead(_ count: Int) {
        reading = false
        guard let connection = current else { return }
        guard count > 0 else {
            // The file shrank under us or the read failed: only closing tells the client.
            connection.close(reason: "file read failed")
            return
        }
        readOffset += Int64(count)
        unread -= Int64(count)
        window.bytes += Int64(count)
        ready = count
        if !draining { writeReady() }
    }

    /// Writes the chunk in the buffer, then reads the next one at once: the transport has taken
    /// the bytes (encrypted, or copied where the socket was full), so the buffer is free.
    private func writeReady() {
        guard let connection = current else { return }
        let chunk = UnsafeRawBufferPointer(start: buffer, count: ready)
        ready = 0
        draining = true
        connection.writeFileChunk(chunk, then: unread > 0 ? .nextFileChunk(self) : .finishResponse)
        readNext()
    }
}

extension HTTPConnection {
    /// Writes one chunk of a streamed file; `followUp` runs once it is written.
    func writeFileChunk(_ chunk: UnsafeRawBufferPointer, then followUp: WriteFollowUp) {
        guard case .exchanging(let exchange) = state else { return }
        exchange.bytesSent += chunk.count
        writeFollowUps.append(followUp)
        if !transport.write(chunk) { close(reason: "write failed") }
    }
}
