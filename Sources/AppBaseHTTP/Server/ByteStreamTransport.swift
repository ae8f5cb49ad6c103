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
    /// Queues bytes; `completion` runs on the loop once they are written (or failed).
    func write(_ bytes: UnsafeRawBufferPointer, completion: @escaping (Bool) -> Void)
    /// Bytes queued and not yet written.
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
}

/// Callbacks from a transport, on the loop thread.
protocol ByteStreamDelegate: AnyObject {
    func transportDidRead(_ bytes: UnsafeRawBufferPointer)
    /// End of stream or a read error: the peer is gone.
    func transportDidClose()
}
