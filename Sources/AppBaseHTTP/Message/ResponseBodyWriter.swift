import AppBaseCore

/// Writes a streamed response body. Each `write` is framed (chunked) and queued on the
/// connection; it returns once the connection's queue is below its limit, so a producer can
/// never run ahead of a slow client by more than that limit. `writeOnLoop` queues at once and
/// leaves that wait to its caller (`waitUntilDrained`).
public final class ResponseBodyWriter: Sendable {
    private let connection: LoopBound<HTTPConnection>

    init(connection: LoopBound<HTTPConnection>) { self.connection = connection }

    /// The connection's event loop, as a task executor: a task that writes to this body and
    /// prefers this executor writes without a thread hop per chunk (SSE pumps do).
    public var preferredExecutor: any TaskExecutor { connection.loop }

    /// Queues `bytes` and waits while the connection's write queue is over its limit.
    /// - Throws: `ConnectionClosedError` when the client has gone.
    public func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let connection = self.connection
        let mustWait = try await connection.loop.run { try connection.value.writeBodyChunk(bytes) }
        if mustWait { try await waitUntilDrained() }
    }

    /// The connection's event loop, for work that must run on its thread (`writeOnLoop`).
    public var eventLoop: EventLoop { connection.loop }

    /// On the connection's loop thread only (in a closure run by `eventLoop.execute`): queues
    /// `bytes` at once, with no task and no hop — for a producer that fans many small writes out
    /// to many connections (SSE delivery, ADR 0046). Returns true when the connection's queue is
    /// over its limit: the caller must then `waitUntilDrained()` before it writes again.
    /// - Throws: `ConnectionClosedError` when the client has gone.
    public func writeOnLoop(_ bytes: [UInt8]) throws -> Bool {
        // The connection is confined to its loop; a call from elsewhere would race with it.
        precondition(connection.loop.isCurrent, "ResponseBodyWriter.writeOnLoop called off the connection's loop")
        return try connection.value.writeBodyChunk(bytes)
    }

    /// Queues `bytes` without waiting. Returns false when the connection's unacknowledged bytes
    /// (queued, or written in this loop turn and not yet reported) are over its limit — the
    /// caller should treat the client as too slow. An empty `bytes` writes nothing.
    public func tryWrite(_ bytes: [UInt8]) async throws -> Bool {
        let connection = self.connection
        return try await connection.loop.run { try !connection.value.writeBodyChunk(bytes) }
    }

    /// Bytes queued on the connection, or written in this loop turn, whose completion the
    /// connection has not seen yet (its measure of backpressure).
    public func queuedBytes() async -> Int {
        let connection = self.connection
        return (try? await connection.loop.run { connection.value.pendingWriteBytes }) ?? 0
    }

    /// Waits until the connection's write queue is back under its limit.
    /// - Throws: `ConnectionClosedError` when the client has gone.
    public func waitUntilDrained() async throws {
        let connection = self.connection
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            connection.loop.execute { connection.value.whenDrained(continuation) }
        }
    }
}

/// Thrown to a response producer whose client has disconnected.
public struct ConnectionClosedError: Error, Sendable {}
