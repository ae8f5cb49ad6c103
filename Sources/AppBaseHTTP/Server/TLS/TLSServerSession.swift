/// One server-side TLS session: ciphertext in from the socket, plaintext out to the HTTP parser,
/// plaintext in from responses, ciphertext out to the socket.
///
/// The seam between the connection layer and the TLS library (ADR 0031, 0041): AppBaseHTTP
/// drives it from `TLSTransport` and never links OpenSSL; AppBaseTLS implements it with OpenSSL
/// over a BIO that reads the socket's bytes where libuv put them and hands every record it writes
/// to the `TLSCiphertextSink` at once, so no ciphertext is copied through an intermediate buffer.
/// Confined to the loop thread of its connection.
public protocol TLSServerSession: AnyObject {
    /// Advances the handshake and decrypts what `ciphertext` completes. `ciphertext` is borrowed
    /// for this call only, and every byte of it is consumed before the call returns (records it
    /// does not complete are kept inside the session). Each run of plaintext lands in `plaintext`
    /// (which must not overlap `ciphertext`) and is passed to `deliver` with its length; `deliver`
    /// returns false to stop early (the connection closed). Outgoing bytes (handshake messages,
    /// tickets, alerts) go to the sink while this runs.
    /// - Returns: `.needMore` once everything was consumed; `.closed` at the peer's
    ///   `close_notify`; `.failed` when the peer is not speaking TLS or broke the protocol.
    func decrypt(_ ciphertext: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer,
                 deliver: (Int) -> Bool) -> TLSReadOutcome
    /// Encrypts all of `bytes` into records, handed to the sink before this returns.
    /// Returns false when the session failed.
    func encrypt(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// True once the handshake has finished.
    var isHandshakeComplete: Bool { get }
    /// Queues a `close_notify` alert (handed to the sink at once).
    func shutdown()
    /// Frees the record buffers while the connection is idle (they are taken again on use).
    func releaseBuffers()
}

/// Where a session's outgoing ciphertext goes, as it is produced (the connection's transport).
public protocol TLSCiphertextSink: AnyObject {
    /// Takes `ciphertext`, borrowed for this call only, to send in order after everything
    /// produced before it.
    func sessionProduced(_ ciphertext: UnsafeRawBufferPointer)
}

/// How one `TLSServerSession.decrypt` call ended.
public enum TLSReadOutcome: Sendable, Equatable {
    /// Every byte was consumed (plaintext, if any, was delivered); more ciphertext is needed.
    case needMore
    /// `deliver` asked to stop.
    case stopped
    /// The peer sent `close_notify`: nothing more will arrive.
    case closed
    /// A fatal error (not TLS, bad record, handshake failure); an alert may have been produced.
    case failed(String)
}

/// Makes a session for each accepted TLS connection. Called on the loop thread.
public protocol TLSSessionFactory: Sendable {
    /// A new session whose outgoing ciphertext goes to `sink`, which owns the session and
    /// outlives it.
    func makeServerSession(sink: any TLSCiphertextSink) -> (any TLSServerSession)?
}
