/// Every limit, timeout and buffer size of the HTTP layer, with documented defaults.
/// Tests shrink the timeouts instead of waiting for wall time.
public struct HTTPLimits: Sendable, Hashable {
    /// Largest request head (request line plus header fields) → 431 beyond.
    public var maxHeaderBytes = 16 * 1024
    /// Longest request target → 414 beyond.
    public var maxURLBytes = 8 * 1024
    /// Time allowed from a request's first byte until its head is complete (slowloris).
    public var headerTimeoutMillis: Int64 = 10_000
    /// Time allowed without a body byte while the server is reading a body.
    public var bodyStallTimeoutMillis: Int64 = 30_000
    /// Time an idle keep-alive connection stays open.
    public var idleTimeoutMillis: Int64 = 60_000
    /// Time allowed without progress writing a response to a client that does not read.
    public var writeStallTimeoutMillis: Int64 = 60_000
    /// Open connections per server; beyond, new connections get 503 `server_busy` and are closed
    /// (after the oldest idle connection, if any, was reaped to make room).
    public var maxConnections = 4096
    /// Open connections from one client address, over every port.
    public var maxConnectionsPerAddress = 256
    /// Open connections from one client address on one port (one app, or the control plane).
    public var maxConnectionsPerAddressPerPort = 128
    /// Slots each listening port keeps for itself: other ports together can never hold more than
    /// `maxConnections` minus the unused part of every other port's reserve, so one app's clients
    /// cannot take the control plane's or another app's last slots.
    public var reservedConnectionsPerPort = 32
    /// Client addresses the per-address caps do not apply to (a reverse proxy in front, say).
    public var uncappedAddresses: Set<String> = []
    /// Time allowed for a whole request — head and body — on routes with a bounded body (every
    /// route except streaming uploads); beyond it the request is answered 408 and the connection closed.
    public var requestTimeoutMillis: Int64 = 60_000
    /// The slowest a body (and a file download) may flow, in bytes per second averaged over
    /// `minimumRateWindowMillis`; slower transfers are ended. A streaming upload has no overall
    /// deadline, only this rate.
    public var minimumTransferRate = 1024
    /// The window the minimum rate is averaged over.
    public var minimumRateWindowMillis: Int64 = 30_000
    /// How long an answer decided before the body arrived (401, 404) waits for a small body to
    /// finish, so the connection can be kept; after it the answer goes out and the connection closes.
    public var earlyAnswerWaitMillis: Int64 = 2_000
    /// Request-body bytes buffered before the server stops reading the socket.
    public var bodyBufferBytes = 256 * 1024
    /// Response bytes queued on a connection before streaming producers must wait.
    public var writeBufferBytes = 256 * 1024
    /// Default request-body limit for routes that don't set one.
    public var defaultBodyLimit = 1024 * 1024
    /// Bodies this small are read and discarded after an early response, keeping the connection.
    public var discardableBodyBytes = 64 * 1024
    /// File responses sent at once (each holds one libuv pool thread while its client reads);
    /// beyond, a file response is answered 503 `server_busy` — slow readers cannot starve every
    /// other download. Keep it below `UV_THREADPOOL_SIZE` (16 under `appbase serve`).
    public var maxConcurrentFileResponses = 12
    /// File responses one app sends at once, under `maxConcurrentFileResponses`: one app's slow
    /// readers leave the other apps' downloads their slots.
    public var maxConcurrentFileResponsesPerApp = 4
    /// How often refusals at a cap are summarised in the log (count and top addresses).
    public var refusalLogIntervalMillis: Int64 = 10_000
    /// Time in-flight requests get to finish on shutdown.
    public var shutdownGraceMillis: Int64 = 10_000

    public init() {}

    /// How often the sweeper checks deadlines: a quarter of the shortest timeout, at most 1 s.
    var sweepIntervalMillis: UInt64 {
        let shortest = min(headerTimeoutMillis, bodyStallTimeoutMillis, idleTimeoutMillis, writeStallTimeoutMillis,
                           requestTimeoutMillis, earlyAnswerWaitMillis)
        return UInt64(max(10, min(1000, shortest / 4)))
    }
}
