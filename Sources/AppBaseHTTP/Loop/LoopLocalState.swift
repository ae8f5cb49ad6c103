import CLibUV
import DequeModule

/// State that belongs to one event loop's thread: the shared socket read buffer and the
/// queue of callbacks deferred to later in the current loop turn.
///
/// `@unchecked Sendable` is the libuv bridge: the loop object (which is `Sendable`, so other
/// threads can enqueue work on it) holds this, but every member is touched only on the loop
/// thread — by `deferInTurn` (which asserts it) and from libuv callbacks (the read buffer's
/// `alloc_cb`, the idle and check callbacks), which libuv runs on that thread — so no two
/// threads ever race on it.
final class LoopLocalState: @unchecked Sendable {
    /// Active while deferred callbacks wait: an active idle handle makes `uv_run` poll
    /// without blocking, so callbacks queued outside the poll phase still run this turn.
    let idle = UnsafeMutablePointer<uv_idle_t>.allocate(capacity: 1)
    var idleActive = false
    /// Set when the loop stops and closes all handles; reports deferred after that are dropped.
    var closingHandles = false
    /// Set when the loop begins to stop, before its last deferred callbacks run: work that would
    /// open new handles then (a listener taking a held connection) is skipped.
    var stopping = false
    var deferred = Deque<(target: any LoopDeferredTarget, succeeded: Bool, bytes: Int)>()
    /// Transports with writes gathered this turn, flushed at its end (`EventLoop.scheduleFlush`).
    var flushPending: [TCPTransport] = []
    /// One-shot work for the end of this turn (`EventLoop.atEndOfTurn`).
    var endOfTurn: [@Sendable () -> Void] = []
    /// Counts loop turns (incremented at the end of each, in the check phase), so per-turn
    /// budgets such as a listener's accepts can tell one turn from the next.
    var turn: UInt64 = 0
    /// The one read buffer of all sockets on this loop: libuv calls `read_cb` right after
    /// `alloc_cb` on the loop thread, so one buffer suffices. Allocated on first use.
    private(set) var readBuffer: UnsafeMutablePointer<CChar>?
    static let readBufferCapacity = 64 * 1024

    func sharedReadBuffer() -> UnsafeMutablePointer<CChar> {
        if let readBuffer { return readBuffer }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: LoopLocalState.readBufferCapacity)
        readBuffer = buffer
        return buffer
    }

    /// Where TLS sessions on this loop decrypt into: the shared read buffer holds the ciphertext
    /// being decrypted at that moment. Allocated on first use.
    private var tlsPlaintext: UnsafeMutableRawPointer?

    func tlsPlaintextBuffer() -> UnsafeMutableRawBufferPointer {
        if let tlsPlaintext { return UnsafeMutableRawBufferPointer(start: tlsPlaintext, count: LoopLocalState.readBufferCapacity) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: LoopLocalState.readBufferCapacity, alignment: 16)
        tlsPlaintext = buffer
        return UnsafeMutableRawBufferPointer(start: buffer, count: LoopLocalState.readBufferCapacity)
    }

    /// Where TLS sessions on this loop gather the records one operation produces, written to the
    /// socket as one write at the operation's end (and empty between operations).
    let tlsOutput = CiphertextBuffer()

    deinit {
        idle.deallocate()
        readBuffer?.deallocate()
        tlsPlaintext?.deallocate()
    }
}

/// An object that takes deferred callbacks from `EventLoop.deferInTurn` (a transport reporting
/// a finished write). Queued as the object plus two values, so deferring allocates nothing.
protocol LoopDeferredTarget: AnyObject {
    func runDeferred(succeeded: Bool, bytes: Int)
}
