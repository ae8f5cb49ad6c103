/// One server-side TLS session over memory buffers: ciphertext in from the socket, plaintext
/// out to the HTTP parser, plaintext in from responses, ciphertext out to the socket.
///
/// The seam between the connection layer and the TLS library (ADR 0031): AppBaseHTTP drives
/// it from `TLSTransport` and never links OpenSSL; AppBaseTLS implements it with OpenSSL's
/// memory BIOs. Confined to the loop thread of its connection.
public protocol TLSServerSession: AnyObject {
    /// Hands bytes received from the peer to the session. Returns false when the session
    /// cannot take them (memory exhausted).
    func receiveCiphertext(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Advances the handshake and decrypts what it can into `buffer`.
    func readPlaintext(into buffer: UnsafeMutableRawBufferPointer) -> TLSReadOutcome
    /// Encrypts all of `bytes` into outgoing records. Returns false when the session failed.
    func encrypt(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Passes the ciphertext waiting to go out (handshake messages, records, alerts) to `body`
    /// in one or more contiguous pieces (copied through `scratch`) and forgets it.
    func drainCiphertext(using scratch: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void)
    /// True while ciphertext waits to go out.
    var hasCiphertext: Bool { get }
    /// True once the handshake has finished.
    var isHandshakeComplete: Bool { get }
    /// Queues a `close_notify` alert (sent by the next drain).
    func shutdown()
}

/// What one `TLSServerSession.readPlaintext` call produced.
public enum TLSReadOutcome: Sendable, Equatable {
    /// This many plaintext bytes are in the buffer; call again for more.
    case bytes(Int)
    /// Nothing more until more ciphertext arrives (the handshake may have progressed).
    case needMore
    /// The peer sent `close_notify`: nothing more will arrive.
    case closed
    /// A fatal error (not TLS, bad record, handshake failure); an alert may wait to be drained.
    case failed(String)
}

/// Makes a session for each accepted TLS connection. Called on the loop thread.
public protocol TLSSessionFactory: Sendable {
    func makeServerSession() -> (any TLSServerSession)?
}
