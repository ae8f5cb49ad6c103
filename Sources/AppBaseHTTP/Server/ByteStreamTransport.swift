import CLibUV

/// The byte stream a connection speaks HTTP over.
///
/// The parser and handlers only see this interface, so TLS can later be layered under it
/// (a transport that decrypts before `didRead` and encrypts in `write`) without touching them.
/// Everything here runs on the loop thread.
protocol ByteStreamTransport: AnyObject {
    /// Receives bytes, end of stream and errors.
    var delegate: (any ByteStreamDelegate)? { get set }
    func startReading()
    func stopReading()
    /// True while the transport reads (between `startReading` and `stopReading` or the peer's FIN).
    var isReading: Bool { get }
    /// True once the peer sent FIN: nothing more will be read, though writes may still go out.
    var peerFinishedSending: Bool { get }
    /// Writes or queues bytes. Each call is answered by one `transportDidWrite(succeeded:)`,
    /// always after the call has returned — unless the transport is closed first (closing
    /// detaches the delegate). Successes are reported in call order; a failure may be reported
    /// ahead of earlier writes still queued, so the delegate must treat the first failure as the
    /// end of the connection (it closes). Returns false when the write already failed (the peer
    /// is gone), so a caller producing a stream can stop at once rather than at the report.
    @discardableResult
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Bytes written or queued whose completion has not been reported yet: the measure of
    /// write backpressure.
    var queuedBytes: Int { get }
    /// The socket's descriptor, for `sendfile` (nil when a layer such as TLS forbids it).
    var rawDescriptor: Int32? { get }
    /// Closes the stream; `completion` runs once every resource is released. A graceful close
    /// first lets queued writes finish (and sends FIN); an abortive one drops them.
    func close(graceful: Bool, completion: @escaping () -> Void)
    /// Ends a lingering graceful close at once (server shutdown); no-op otherwise.
    func abortLinger()
    /// The peer's IP address.
    var peerAddress: String { get }
    /// The connection is idle between requests: memory the transport can take again on the next
    /// read or write (TLS record buffers) is given back.
    func releaseIdleMemory()
}

/// Callbacks from a transport, on the loop thread.
protocol ByteStreamDelegate: AnyObject {
    func transportDidRead(_ bytes: UnsafeRawBufferPointer)
    /// One earlier `write` finished (its bytes are with the kernel) or failed.
    func transportDidWrite(succeeded: Bool)
    /// The peer sent FIN: nothing more will arrive, but the write side may still be open.
    func transportDidReachEnd()
    /// A read error (a reset): the peer is gone in both directions.
    func transportDidFail()
}
