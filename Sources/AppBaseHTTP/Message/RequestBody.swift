import AppBaseCore
import DequeModule
import Synchronization

/// A request body delivered as a stream of chunks with backpressure.
///
/// The connection appends chunks as the parser produces them; when more than the high-water
/// mark is buffered it stops reading from the socket, and resumes once the handler has
/// consumed below the low-water mark. Nothing here ever holds more than about the high-water
/// mark plus one socket read, whatever the body's size.
public final class RequestBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    private struct State {
        var chunks = Deque<[UInt8]>()
        var buffered = 0
        var finished = false
        var failure: AppBaseError?
        var reader: CheckedContinuation<[UInt8]?, any Error>?
        var producerPaused = false
        var demanded = false
    }

    private let state: Mutex<State>
    private let highWater: Int
    private let lowWater: Int
    /// Called (from any thread) when the consumer wants more and the producer had paused, or on
    /// the first read (so the connection can send `100 Continue`). Set once by the connection.
    private let onDemand: @Sendable () -> Void

    init(highWater: Int, onDemand: @escaping @Sendable () -> Void) {
        self.highWater = highWater
        self.lowWater = highWater / 4
        self.onDemand = onDemand
        self.state = Mutex(State())
    }

    /// A body with no bytes. One shared instance: a finished body never changes again.
    public static func empty() -> RequestBody { sharedEmpty }

    private static let sharedEmpty: RequestBody = {
        let body = RequestBody(highWater: 1, onDemand: {})
        body.finish()
        return body
    }()

    /// A body holding `bytes` (tests and internal re-dispatch).
    public static func bytes(_ bytes: [UInt8]) -> RequestBody {
        let body = RequestBody(highWater: Swift.max(1, bytes.count), onDemand: {})
        if !bytes.isEmpty { _ = body.append(bytes) }
        body.finish()
        return body
    }

    // MARK: Consumer side

    /// The next chunk, or nil at the end of the body.
    /// - Throws: the error that ended the body (client gone → `bad_request`, over the limit → 413),
    ///   or `CancellationError` when the task is cancelled.
    public func next() async throws -> [UInt8]? {
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let (result, demand) = state.withLock { state -> (Result<[UInt8]?, any Error>?, Bool) in
                    let firstDemand = !state.demanded
                    state.demanded = true
                    if let chunk = state.chunks.popFirst() {
                        state.buffered -= chunk.count
                        let resume = state.producerPaused && state.buffered <= lowWater
                        if resume { state.producerPaused = false }
                        return (.success(chunk), resume || firstDemand)
                    }
                    if let failure = state.failure { return (.failure(failure), false) }
                    if state.finished { return (.success(nil), false) }
                    state.reader = continuation
                    let resume = state.producerPaused
                    state.producerPaused = false
                    return (nil, resume || firstDemand)
                }
                if demand { onDemand() }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            fail(AppBaseError(status: 499, code: .badRequest, message: "Request cancelled."))
        }
    }

    /// Reads the whole body into memory, refusing more than `limit` bytes with 413.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var result: [UInt8] = []
        while let chunk = try await next() {
            guard result.count + chunk.count <= limit else { throw AppBaseError.payloadTooLarge(limit: limit) }
            result.append(contentsOf: chunk)
        }
        return result
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let body: RequestBody
        public mutating func next() async throws -> [UInt8]? { try await body.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }

    // MARK: Producer side (the connection, on the loop thread)

    /// Adds a chunk. Returns false when the producer should pause (buffer above high water).
    func append(_ chunk: [UInt8]) -> Bool {
        let (reader, keepGoing) = state.withLock { state -> (CheckedContinuation<[UInt8]?, any Error>?, Bool) in
            guard !state.finished, state.failure == nil else { return (nil, true) }
            if let reader = state.reader {
                state.reader = nil
                return (reader, true)
            }
            state.chunks.append(chunk)
            state.buffered += chunk.count
            if state.buffered > highWater {
                state.producerPaused = true
                return (nil, false)
            }
            return (nil, true)
        }
        reader?.resume(returning: chunk)
        return keepGoing
    }

    /// Marks the end of the body.
    func finish() {
        let reader = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
            state.finished = true
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume(returning: nil)
    }

    /// Ends the body with an error (client disconnected, over the limit).
    func fail(_ error: AppBaseError) {
        let reader = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
            // Unread chunks are dropped: a reader must then see the failure, never a clean end
            // of a truncated body.
            if state.failure == nil && (!state.finished || !state.chunks.isEmpty) { state.failure = error }
            state.chunks.removeAll()
            state.buffered = 0
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume(throwing: error)
    }

    /// True once a consumer has asked for data.
    var wasDemanded: Bool { state.withLock { $0.demanded } }
}
