import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A libuv TCP stream as a `ByteStreamTransport`.
///
/// Ownership: the transport owns its `uv_tcp_t`; `handle.data` points at the transport
/// (unretained — the connection keeps the transport alive until the close callback ran).
/// Reads land in the loop's one shared read buffer (`LoopLocalState`).
final class TCPTransport: ByteStreamTransport, LoopDeferredTarget {
    let handle: UnsafeMutablePointer<uv_tcp_t>
    /// The connection. `unowned(unsafe)` (no reference counting on the read path) is safe by
    /// ownership: the connection owns this transport and is kept by the server until the
    /// transport's close completion has run, and `close` clears the delegate before that.
    unowned(unsafe) var delegate: (any ByteStreamDelegate)?
    /// Bytes in `uv_write` requests not yet called back.
    private var libuvQueuedBytes = 0
    /// `uv_write` requests not yet called back: while any is, writes queue behind it
    /// (`uv_try_write` would overtake it, and its report would come after a later one's).
    private var libuvPendingWrites = 0
    /// Bytes written at once whose completion report is still in the loop's deferred queue.
    private var unreportedBytes = 0
    /// Set once a write failed: the connection is dead, later writes fail at once.
    private var writeFailed = false
    /// Small writes accepted during this loop turn and not yet given to the kernel: they go out
    /// together at the turn's end (`flushGathered`, called by the loop), so a busy loop wakes
    /// a client once per turn instead of once per response (ADR 0043).
    private var gathered: [UInt8] = []
    /// `write` calls whose bytes wait in `gathered`; each is reported once they are out.
    private var gatheredWrites = 0
    /// A write larger than this is not gathered (it goes out at once, after what is gathered).
    static let gatherMaxWrite = 16 * 1024
    /// Gathered bytes beyond which the next write flushes first.
    static let gatherMaxBytes = 64 * 1024
    var queuedBytes: Int { libuvQueuedBytes + unreportedBytes + gathered.count }
    private(set) var reading = false
    /// The peer sent FIN: a graceful close need not wait for it.
    private var peerEnded = false
    var isReading: Bool { reading }
    var peerFinishedSending: Bool { peerEnded }
    private var closed = false
    private var closeCompletion: (() -> Void)?
    private var selfRetain: Unmanaged<TCPTransport>?
    let peerAddress: String

    /// Takes ownership of an accepted, initialised handle.
    init(acceptedHandle: UnsafeMutablePointer<uv_tcp_t>) {
        handle = acceptedHandle
        peerAddress = TCPTransport.peerAddress(of: acceptedHandle)
        handle.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        uv_tcp_nodelay(handle, 1)
    }

    var rawDescriptor: Int32? {
        var fd = uv_os_fd_t()
        let result = handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { uv_fileno($0, &fd) }
        return result == 0 ? fd : nil
    }

    func startReading() {
        guard !closed, !peerEnded else { return }
        beginReading()
    }

    /// Starts `uv_read_start` (also while lingering after a graceful close).
    private func beginReading() {
        guard !reading, !handleClosing else { return }
        reading = true
        let result = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { stream in
            uv_read_start(stream, { handle, suggested, buffer in
                guard let handle, let buffer, let loop = EventLoop.from(handle.pointee.loop) else { return }
                buffer.pointee = uv_buf_init(loop.local.sharedReadBuffer(), UInt32(LoopLocalState.readBufferCapacity))
                _ = suggested
            }, { stream, count, buffer in
                guard let stream, let data = stream.pointee.data else { return }
                let transport = Unmanaged<TCPTransport>.fromOpaque(data).takeUnretainedValue()
                if transport.closed {
                    // Lingering: unread request bytes are discarded; the peer's FIN ends it.
                    if count < 0 { transport.closeHandle() }
                    return
                }
                if count == Int(UV_EOF.rawValue) {
                    // libuv stopped reading at EOF.
                    transport.reading = false
                    transport.peerEnded = true
                    transport.delegate?.transportDidReachEnd()
                    return
                }
                if count < 0 {
                    transport.delegate?.transportDidFail()
                    return
                }
                guard count > 0, let base = buffer?.pointee.base else { return }
                transport.delegate?.transportDidRead(UnsafeRawBufferPointer(start: base, count: count))
            })
        }
        if result != 0 {
            reading = false
            delegate?.transportDidFail()
        }
    }

    /// Gives back the gathering buffer (reads use the loop's shared buffer).
    func releaseIdleMemory() {
        if gatheredWrites == 0 { gathered = [] }
    }

    func stopReading() {
        guard reading else { return }
        reading = false
        handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { _ = uv_read_stop($0) }
    }

    /// Gathers a small write for the end of the loop turn when nothing is queued in libuv (the
    /// common case); otherwise writes what was gathered, then these bytes at once with
    /// `uv_try_write` (no request object, and no `uv_write` whose drain would re-arm the epoll
    /// watcher), queueing only what the socket did not take. Every outcome is reported through
    /// the loop's deferred queue, so reports keep call order and never run inside this call.
    @discardableResult
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !closed, let loop = EventLoop.from(handle.pointee.loop) else { return false }
        guard !writeFailed else {
            loop.deferInTurn(self, succeeded: false)
            return false
        }
        if libuvPendingWrites == 0, bytes.count <= Self.gatherMaxWrite,
           gathered.count + bytes.count <= Self.gatherMaxBytes {
            if gatheredWrites == 0 {
                // An empty write with nothing gathered ahead of it is done.
                guard !bytes.isEmpty else {
                    loop.deferInTurn(self, succeeded: true)
                    return true
                }
                loop.scheduleFlush(self)
            }
            gathered.append(contentsOf: bytes)
            gatheredWrites += 1
            return true
        }
        flushGathered()
        guard !writeFailed else {
            loop.deferInTurn(self, succeeded: false)
            return false
        }
        return writeNow(bytes, loop: loop)
    }

    /// Writes the gathered bytes as one `uv_try_write` (the rest as one `uv_write`) and reports
    /// each gathered `write`. Called by the loop at the end of the turn, and before anything
    /// that must follow them (a large write, a graceful close).
    func flushGathered() {
        guard gatheredWrites > 0, let loop = EventLoop.from(handle.pointee.loop) else { return }
        let reports = gatheredWrites
        gatheredWrites = 0
        defer { gathered.removeAll(keepingCapacity: gathered.capacity <= 8 * 1024) }
        if writeFailed {
            for _ in 0..<reports { loop.deferInTurn(self, succeeded: false) }
            return
        }
        let total = gathered.count
        let written = gathered.withUnsafeMutableBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return 0 }
            var buffer = uv_buf_init(base.assumingMemoryBound(to: CChar.self), UInt32(clamping: total))
            return handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { uv_try_write($0, &buffer, 1) }
        }
        if Int(written) == total {
            unreportedBytes += total
            for index in 0..<reports {
                loop.deferInTurn(self, succeeded: true, bytes: index == 0 ? total : 0)
            }
            return
        }
        if written < 0 && written != UV_EAGAIN.rawValue {
            writeFailed = true
            for _ in 0..<reports { loop.deferInTurn(self, succeeded: false) }
            return
        }
        let offset = max(Int(written), 0)
        _ = gathered.withUnsafeBytes { bytes in
            queue(UnsafeRawBufferPointer(rebasing: bytes[offset...]), reports: reports, loop: loop)
        }
    }

    /// `write` without gathering: at once when libuv has nothing queued, the rest queued.
    private func writeNow(_ bytes: UnsafeRawBufferPointer, loop: EventLoop) -> Bool {
        var offset = 0
        if libuvPendingWrites == 0 {
            // Nothing queued ahead: an empty write is done, a non-empty one is tried at once.
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                loop.deferInTurn(self, succeeded: true)
                return true
            }
            // (A buffer over 4 GiB cannot be described to libuv at once; the bodies written here
            // are in memory, far below that.)
            var buffer = uv_buf_init(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self)),
                                     UInt32(clamping: bytes.count))
            let written = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { uv_try_write($0, &buffer, 1) }
            if Int(written) == bytes.count {
                // Counted until reported, so a producer writing in a loop still meets backpressure
                // (and returns to the loop) after the write-buffer limit.
                unreportedBytes += bytes.count
                loop.deferInTurn(self, succeeded: true, bytes: bytes.count)
                return true
            }
            if written < 0 && written != UV_EAGAIN.rawValue {
                writeFailed = true
                loop.deferInTurn(self, succeeded: false)
                return false
            }
            offset = max(Int(written), 0)
        }
        return queue(UnsafeRawBufferPointer(rebasing: bytes[offset...]), reports: 1, loop: loop)
    }

    /// Copies `rest` into one `uv_write`, whose callback answers `reports` writes.
    @discardableResult
    private func queue(_ rest: UnsafeRawBufferPointer, reports: Int, loop: EventLoop) -> Bool {
        let request = WriteRequest(copying: rest, transport: self, reports: reports)
        libuvQueuedBytes += rest.count
        libuvPendingWrites += 1
        let result = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { stream in
            uv_write(request.request, stream, &request.buffer, 1) { raw, status in
                guard let raw, let context = raw.pointee.data else { return }
                let request = Unmanaged<WriteRequest>.fromOpaque(context).takeRetainedValue()
                let transport = request.transport
                transport.libuvQueuedBytes -= Int(request.buffer.len)
                transport.libuvPendingWrites -= 1
                if status != 0 { transport.writeFailed = true }
                // Through the deferred queue too, behind any earlier write's report.
                if let loop = EventLoop.from(transport.handle.pointee.loop) {
                    for _ in 0..<request.reports { loop.deferInTurn(transport, succeeded: status == 0) }
                }
            }
        }
        if result != 0 {
            libuvQueuedBytes -= rest.count
            libuvPendingWrites -= 1
            request.release()
            writeFailed = true
            for _ in 0..<reports { loop.deferInTurn(self, succeeded: false) }
            return false
        }
        return true
    }

    /// A deferred write report: forwarded to the delegate (gone once the transport closed).
    func runDeferred(succeeded: Bool, bytes: Int) {
        unreportedBytes -= bytes
        delegate?.transportDidWrite(succeeded: succeeded)
    }

    /// Closes the stream. Graceful: queued writes are flushed, FIN is sent, and the socket keeps
    /// being read (and the bytes discarded) until the peer closes or a deadline passes — closing
    /// with unread request bytes would make the kernel send RST and destroy the response (an
    /// early 413 to a browser upload, say). The deadline bounds it: `lingerMillis` once the writes
    /// are out, `writeStallMillis` while they are not (a client that never reads). Abortive: now.
    func close(graceful: Bool, completion: @escaping () -> Void) {
        guard !closed else { return }
        // What was gathered goes out first, as if it had been written at once: a response
        // finished just before the peer's FIN (an idle connection then closes abortively) still
        // reaches it. What the socket does not take is dropped by an abortive close, as before.
        flushGathered()
        closed = true
        delegate = nil
        closeCompletion = completion
        selfRetain = Unmanaged.passRetained(self)
        guard graceful else {
            closeHandle()
            return
        }
        // Bytes already taken by the kernel (written at once, report pending) are out: only a
        // `uv_write` still waiting for socket space means the client may not be reading.
        startLingerTimer(milliseconds: libuvQueuedBytes > 0 ? writeStallMillis : TCPTransport.lingerMillis)
        if !peerEnded { beginReading() }
        let shutdown = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
        shutdown.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        let result = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { stream in
            uv_shutdown(shutdown, stream) { request, status in
                guard let request else { return }
                let data = request.pointee.data
                request.deallocate()
                // Cancelled (the handle is closing) or failed: nothing more to wait for.
                guard status == 0, let data else {
                    if status != UV_ECANCELED.rawValue, let data {
                        Unmanaged<TCPTransport>.fromOpaque(data).takeUnretainedValue().closeHandle()
                    }
                    return
                }
                let transport = Unmanaged<TCPTransport>.fromOpaque(data).takeUnretainedValue()
                if transport.peerEnded {
                    // The peer already finished sending: once our last byte is out, we are done.
                    transport.closeHandle()
                } else {
                    transport.restartLingerTimer(milliseconds: TCPTransport.lingerMillis)
                }
            }
        }
        if result != 0 {
            shutdown.deallocate()
            closeHandle()
        }
    }

    /// How long a gracefully closed connection waits for the peer's FIN after its last byte went out.
    static let lingerMillis: UInt64 = 2000
    /// Set by the connection: the write-stall limit bounds a graceful close whose writes are stuck.
    var writeStallMillis: UInt64 = 60_000
    private var lingerTimer: UnsafeMutablePointer<uv_timer_t>?
    private var handleClosing = false

    private func startLingerTimer(milliseconds: UInt64) {
        let timer = UnsafeMutablePointer<uv_timer_t>.allocate(capacity: 1)
        uv_timer_init(handle.pointee.loop, timer)
        timer.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        lingerTimer = timer
        restartLingerTimer(milliseconds: milliseconds)
    }

    private func restartLingerTimer(milliseconds: UInt64) {
        guard let timer = lingerTimer, !handleClosing else { return }
        uv_timer_start(timer, { timer in
            guard let data = timer?.pointee.data else { return }
            Unmanaged<TCPTransport>.fromOpaque(data).takeUnretainedValue().closeHandle()
        }, milliseconds, 0)
    }

    /// Ends a lingering graceful close now (server shutdown).
    func abortLinger() {
        if closed { closeHandle() }
    }

    /// Closes the libuv handle (and the linger timer); runs once. A handle the loop already
    /// closed at shutdown (`uv_walk`) is left alone.
    private func closeHandle() {
        guard !handleClosing else { return }
        handleClosing = true
        let alreadyClosing = handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { uv_is_closing($0) != 0 }
        guard !alreadyClosing else { return }
        reading = false
        if let timer = lingerTimer {
            lingerTimer = nil
            timer.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { raw in
                uv_close(raw) { $0?.deallocate() }
            }
        }
        handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { raw in
            uv_close(raw) { raw in
                guard let raw, let data = raw.pointee.data else { return }
                let transport = Unmanaged<TCPTransport>.fromOpaque(data).takeUnretainedValue()
                transport.didClose()
            }
        }
    }

    private func didClose() {
        let completion = closeCompletion
        closeCompletion = nil
        handle.deallocate()
        completion?()
        selfRetain?.release()
        selfRetain = nil
    }

    private static func peerAddress(of handle: UnsafeMutablePointer<uv_tcp_t>) -> String {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getpeername(handle, $0, &length) }
        }
        guard result == 0 else { return "unknown" }
        return SocketAddress.ipString(of: &storage)
    }
}

/// One `uv_write` in flight: owns a copy of the bytes until the write callback.
private final class WriteRequest {
    let request = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
    var buffer: uv_buf_t
    let transport: TCPTransport
    /// The `write` calls this request answers (more than one for gathered writes).
    let reports: Int
    private let storage: UnsafeMutableRawPointer

    init(copying bytes: UnsafeRawBufferPointer, transport: TCPTransport, reports: Int) {
        self.reports = reports
        storage = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 1)
        if let base = bytes.baseAddress { storage.copyMemory(from: base, byteCount: bytes.count) }
        buffer = uv_buf_init(storage.assumingMemoryBound(to: CChar.self), UInt32(bytes.count))
        self.transport = transport
        request.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// Drops the self-retain when `uv_write` refused the request (no callback will come).
    func release() {
        if let data = request.pointee.data { Unmanaged<WriteRequest>.fromOpaque(data).release() }
    }

    deinit {
        storage.deallocate()
        request.deallocate()
    }
}

/// Socket address formatting.
enum SocketAddress {
    static func ipString(of storage: inout sockaddr_storage) -> String {
        var text = [CChar](repeating: 0, count: 64)
        let family = Int32(storage.ss_family)
        let ok: Bool = withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_name($0, &text, 64) == 0 }
            } else if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_name($0, &text, 64) == 0 }
            }
            return false
        }
        guard ok else { return "unknown" }
        let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return address.hasPrefix("::ffff:") ? String(address.dropFirst(7)) : address
    }
}
