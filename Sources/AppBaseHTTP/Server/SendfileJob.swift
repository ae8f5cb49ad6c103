import AppBaseCore
import CLibUV
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sends a file region to a socket with `sendfile(2)` on libuv's thread pool.
///
/// The socket is non-blocking (libuv's); when its buffer is full the worker waits in
/// `poll(POLLOUT)` — on the pool thread, never on the loop — checking `cancelled` every
/// 250 ms and giving up after the write-stall timeout, or when the client reads slower than
/// the minimum rate over a whole window (a trickling reader would otherwise hold the thread
/// for as long as it likes). Ownership: the job retains itself from `start` until its
/// after-work callback on the loop; the file descriptor stays open because the job holds the
/// `OwnedFileDescriptor`, and the download slot stays taken because it holds the `FileSlot`.
///
/// Why a pool thread and not non-blocking `sendfile` on the loop: libuv owns the socket's
/// epoll registration, and a second watcher on the same descriptor (`uv_poll`) is not allowed,
/// so the loop cannot wait for writability of a `uv_tcp_t` outside libuv's own writes.
final class SendfileJob {
    private let work = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
    private let file: FileBody
    private let socket: Int32
    private let stallTimeoutMillis: Int64
    private let pace: TransferPace
    private let slot: FileSlot?
    private let cancelledFlag = Atomic<Bool>(false)
    private var offset: Int64
    private var remaining: Int64
    private var succeeded = false
    private var completion: ((Bool) -> Void)?

    init(file: FileBody, socket: Int32, stallTimeoutMillis: Int64, pace: TransferPace, slot: FileSlot?,
         completion: @escaping (Bool) -> Void) {
        self.file = file
        self.socket = socket
        self.stallTimeoutMillis = stallTimeoutMillis
        self.pace = pace
        self.slot = slot
        self.offset = file.offset
        self.remaining = file.length
        self.completion = completion
    }

    deinit { work.deallocate() }

    /// Asks the worker to stop at its next check (client gone, shutdown).
    func cancel() { cancelledFlag.store(true, ordering: .relaxed) }

    /// Queues the transfer on `loop`'s thread pool.
    func start(on loop: UnsafeMutablePointer<uv_loop_t>) {
        work.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let result = uv_queue_work(loop, work, { work in
            guard let data = work?.pointee.data else { return }
            Unmanaged<SendfileJob>.fromOpaque(data).takeUnretainedValue().transfer()
        }, { work, _ in
            guard let data = work?.pointee.data else { return }
            let job = Unmanaged<SendfileJob>.fromOpaque(data).takeRetainedValue()
            let completion = job.completion
            job.completion = nil
            completion?(job.succeeded && !job.cancelledFlag.load(ordering: .relaxed))
        })
        if result != 0 {
            Unmanaged<SendfileJob>.fromOpaque(work.pointee.data).release()
            let completion = self.completion
            self.completion = nil
            completion?(false)
        }
    }

    /// Runs on a pool thread.
    private func transfer() {
        if remaining > 1 << 20 {
            // A long sequential read: let the kernel read ahead aggressively.
            _ = posix_fadvise(file.descriptor.rawValue, off_t(offset), off_t(remaining), POSIX_FADV_SEQUENTIAL)
        }
        var stalledFor: Int64 = 0
        var window = TransferPace.Window(start: MonotonicTime.milliseconds(), bytes: 0)
        while remaining > 0 {
            if cancelledFlag.load(ordering: .relaxed) { return }
            guard pace.allows(&window, now: MonotonicTime.milliseconds()) else { return }
            var position = off_t(offset)
            let sent = sendfile(socket, file.descriptor.rawValue, &position, Int(min(remaining, 4 << 20)))
            if sent > 0 {
                offset += Int64(sent)
                remaining -= Int64(sent)
                window.bytes += Int64(sent)
                stalledFor = 0
                continue
            }
            if sent == 0 { return }  // file shorter than promised
            let error = errno
            if error == EINTR { continue }
            guard error == EAGAIN || error == EWOULDBLOCK else { return }
            var descriptor = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready == 0 {
                stalledFor += 250
                if stalledFor >= stallTimeoutMillis { return }
            } else if ready < 0 && errno != EINTR {
                return
            } else if ready > 0 && descriptor.revents & Int16(POLLERR | POLLHUP) != 0 {
                return
            }
        }
        succeeded = true
    }
}

extension HTTPConnection {
    /// Starts sending `file` after its head went out; the exchange moves to `.sendingFile(job)`.
    func startSendfile(_ file: FileBody, for exchange: Exchange) {
        guard let socket = transport.rawDescriptor else {
            // TLS: the file goes through the cipher in bounded chunks instead.
            exchange.outbound = .writing
            let stream = FileStreamJob(file: file, connection: self, exchange: exchange)
            exchange.fileStream = stream
            stream.start()
            return
        }
        let server = self.server
        let job = SendfileJob(file: file, socket: socket, stallTimeoutMillis: server.limits.writeStallTimeoutMillis,
                              pace: TransferPace(limits: server.limits), slot: exchange.fileSlot) { [weak self] ok in
            guard let self else { return }
            switch self.state {
            case .stoppingSendfile:
                self.releaseTransport(graceful: false)
            case .exchanging(let exchange):
                // The job has ended: no worker writes to the socket any more, so a close
                // below releases it at once.
                exchange.outbound = .writing
                if ok {
                    exchange.bytesSent += Int(file.length)
                    self.lastProgressAt = server.nowMillis()
                    self.responseFinished()
                } else {
                    self.close(reason: "sendfile failed")
                }
            case .idle, .readingHead, .closing, .closed:
                break
            }
        }
        exchange.outbound = .sendingFile(job)
        job.start(on: server.loop.raw.loop)
    }
}
