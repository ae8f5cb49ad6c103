import AppBaseCore
import CLibUV

/// Sends a file region through the transport in bounded chunks, for connections that cannot
/// use `sendfile(2)` (TLS: the bytes must pass through the cipher).
///
/// One chunk at a time: read with `uv_fs_read` on libuv's pool (a cold disk read never blocks
/// the loop), written through the transport (encrypted there), and the next read starts when
/// that write is reported — so at most one chunk of plaintext and its ciphertext are in memory,
/// never the file. The write-stall deadline and the minimum transfer rate apply as to
/// `sendfile`. Ownership: the job retains itself while a read is in flight; the exchange
/// keeps the download slot; the job ends silently when its exchange is no longer current.
final class FileStreamJob {
    /// 256 KiB: large enough that per-chunk overhead (a pool hop, a write report) is small
    /// against the cipher's work, small enough to keep memory per download bounded.
    static let chunkBytes = 256 * 1024
    private let request = UnsafeMutablePointer<uv_fs_t>.allocate(capacity: 1)
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: FileStreamJob.chunkBytes, alignment: 16)
    private let file: FileBody
    private var offset: Int64
    private var remaining: Int64
    private weak var connection: HTTPConnection?
    private weak var exchange: Exchange?
    private let pace: TransferPace
    private var window: TransferPace.Window

    init(file: FileBody, connection: HTTPConnection, exchange: Exchange) {
        self.file = file
        offset = file.offset
        remaining = file.length
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

    /// Reads the next chunk (called at start and after each chunk's write was reported).
    func readNext() {
        guard let connection = current else { return }
        guard pace.allows(&window, now: connection.server.nowMillis()) else {
            connection.close(reason: "download slower than the minimum rate")
            return
        }
        var slice = uv_buf_init(buffer.assumingMemoryBound(to: CChar.self), UInt32(min(remaining, Int64(Self.chunkBytes))))
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let result = uv_fs_read(connection.server.loop.raw.loop, request, file.descriptor.rawValue, &slice, 1, offset) { request in
            guard let request, let data = request.pointee.data else { return }
            let job = Unmanaged<FileStreamJob>.fromOpaque(data).takeRetainedValue()
            let count = request.pointee.result
            uv_fs_req_cleanup(request)
            job.didRead(count)
        }
        if result != 0 {
            Unmanaged<FileStreamJob>.fromOpaque(request.pointee.data).release()
            connection.close(reason: "file read failed")
        }
    }

    private func didRead(_ count: Int) {
        guard let connection = current else { return }
        guard count > 0 else {
            // The file shrank under us or the read failed: only closing tells the client.
            connection.close(reason: "file read failed")
            return
        }
        offset += Int64(count)
        remaining -= Int64(count)
        window.bytes += Int64(count)
        let chunk = UnsafeRawBufferPointer(start: buffer, count: count)
        connection.writeFileChunk(chunk, then: remaining > 0 ? .nextFileChunk(self) : .finishResponse)
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
