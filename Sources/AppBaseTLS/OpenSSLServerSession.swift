import AppBaseHTTP
import COpenSSL

/// One TLS connection's OpenSSL state. OpenSSL never touches the socket, so libuv keeps owning
/// it (ADR 0031): ciphertext comes in borrowed for one `decrypt` call and goes out to the sink
/// record by record, through a `SessionBIOMethod` BIO (ADR 0041). Confined to the loop thread.
final class OpenSSLServerSession: TLSServerSession {
    /// Set once in `init`; an `SSL` whose BIO points back at this object.
    private var ssl: OpaquePointer?
    /// Keeps the BIO type alive as long as this session's BIO.
    private let bioMethod: SessionBIOMethod
    /// The transport that owns this session. `unowned(unsafe)` (no reference counting per
    /// record) is safe by ownership: the sink owns this session and outlives it.
    private unowned(unsafe) let sink: any TLSCiphertextSink
    /// The ciphertext of the current `decrypt` call, and how much of it OpenSSL has read.
    private var input = UnsafeRawBufferPointer(start: nil, count: 0)
    private var inputOffset = 0

    init?(context: OpaquePointer, bioMethod: SessionBIOMethod, sink: any TLSCiphertextSink) {
        self.bioMethod = bioMethod
        self.sink = sink
        guard let ssl = SSL_new(context) else { return nil }
        guard let bio = bioMethod.makeBIO(for: self) else {
            SSL_free(ssl)
            return nil
        }
        SSL_set_bio(ssl, bio, bio)  // one BIO both ways; the SSL owns it from here on
        SSL_set_accept_state(ssl)
        self.ssl = ssl
    }

    deinit { SSL_free(ssl) }

    // MARK: The BIO's side

    /// Copies up to `destination.count` unread bytes of the current input; 0 when none is left.
    func takeCiphertext(into destination: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(destination.count, input.count - inputOffset)
        guard count > 0, let source = input.baseAddress, let target = destination.baseAddress else { return 0 }
        target.copyMemory(from: source + inputOffset, byteCount: count)
        inputOffset += count
        return count
    }

    /// A record (or part of one) OpenSSL wrote: straight to the sink.
    func produced(_ bytes: UnsafeRawBufferPointer) {
        sink.sessionProduced(bytes)
    }

    // MARK: TLSServerSession

    func decrypt(_ ciphertext: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer,
                 deliver: (Int) -> Bool) -> TLSReadOutcome {
        input = ciphertext
        inputOffset = 0
        defer { input = UnsafeRawBufferPointer(start: nil, count: 0) }
        // Bounded: each round either delivers plaintext (consuming a record) or consumes input.
        while true {
            let before = inputOffset
            let count = SSL_read(ssl, plaintext.baseAddress, Int32(clamping: plaintext.count))
            if count > 0 {
                guard deliver(Int(count)) else { return .stopped }
                // Without read-ahead OpenSSL takes exactly one record from the input per read: with
                // all of it taken and nothing decrypted left over, another SSL_read can only say
                // "want read" — skip it (one per request on a keep-alive connection).
                if inputOffset == input.count && SSL_pending(ssl) == 0 { return .needMore }
                continue
            }
            switch SSL_get_error(ssl, count) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                if inputOffset == input.count { return .needMore }
                // A post-handshake message was handled and input remains: go on reading it.
                // Without progress the rest could never be consumed: treat it as broken.
                guard inputOffset > before else { return .failed("TLS session stopped reading its input") }
            case SSL_ERROR_ZERO_RETURN:
                return .closed
            default:
                return .failed(OpenSSLErrorQueue.takeText())
            }
        }
    }

    func encrypt(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        // The sink takes every record, so each call writes all it is given (no partial writes).
        while offset < bytes.count {
            let length = Int32(clamping: bytes.count - offset)
            let written = SSL_write(ssl, base + offset, length)
            guard written > 0 else {
                _ = OpenSSLErrorQueue.takeText()
                return false
            }
            offset += Int(written)
        }
        return true
    }

    var isHandshakeComplete: Bool { SSL_is_init_finished(ssl) == 1 }

    func shutdown() {
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    func releaseBuffers() {
        _ = SSL_free_buffers(ssl)  // 0 when a buffer still holds data: then it stays
    }
}
