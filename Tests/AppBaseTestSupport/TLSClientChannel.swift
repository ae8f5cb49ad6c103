import AppBaseTLS
import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A TLS client over a connected, non-blocking socket, for `RawHTTPClient`: OpenSSL reads and
/// writes the descriptor itself; a step that would block says which readiness to wait for, and
/// the client waits through `SocketReactor` with its deadline, as it does for plain sockets.
/// Owned by one `RawHTTPClient` (an actor), so used from one task at a time.
final class TLSClientChannel {
    /// What one step did.
    enum Step {
        /// This many bytes were read or written (0 for a finished handshake).
        case done(Int)
        /// Try again once the socket reports these poll events.
        case wait(Int16)
        /// The server ended the connection.
        case closed(PeerClose)
        /// The TLS layer failed (a bad certificate, a record that is not TLS).
        case failed(String)
    }

    private let ssl: OpaquePointer

    /// - Throws: `RawHTTPClientError.tls` when OpenSSL cannot set the connection up.
    init(descriptor: Int32, identity: TestTLS) throws {
        guard let ssl = SSL_new(identity.clientContext.context) else { throw RawHTTPClientError.tls("SSL_new failed") }
        self.ssl = ssl
        guard SSL_set_fd(ssl, descriptor) == 1,
              appbase_ssl_set_tlsext_host_name(ssl, TestTLS.serverName) == 1,
              SSL_set1_host(ssl, TestTLS.serverName) == 1 else {
            throw RawHTTPClientError.tls("cannot configure the TLS client: \(OpenSSLErrorQueue.takeText(fallback: "TLS failure"))")
        }
        let protocols: [UInt8] = [8] + Array("http/1.1".utf8)
        _ = SSL_set_alpn_protos(ssl, protocols, UInt32(protocols.count))
        SSL_set_connect_state(ssl)
    }

    deinit { SSL_free(ssl) }

    /// One handshake step.
    func handshake() -> Step { step(SSL_do_handshake(ssl)) { _ in .done(0) } }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Step {
        step(SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))) { .done(Int($0)) }
    }

    /// Writes a prefix of `bytes` (partial writes are on); retry with the same bytes after `.wait`.
    func write(_ bytes: UnsafeRawBufferPointer) -> Step {
        step(SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))) { .done(Int($0)) }
    }

    /// Sends `close_notify` (the TLS half-close); the socket's FIN follows separately.
    func sendCloseNotify() {
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// What the handshake settled on, for assertions.
    var negotiated: TLSNegotiated {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        let alpn = data.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self) } ?? ""
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? ""
        return TLSNegotiated(version: String(cString: SSL_get_version(ssl)), alpn: alpn, cipher: cipher)
    }

    private func step(_ result: Int32, success: (Int32) -> Step) -> Step {
        if result > 0 { return success(result) }
        let error = errno
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ:
            return .wait(Int16(POLLIN))
        case SSL_ERROR_WANT_WRITE:
            return .wait(Int16(POLLOUT))
        case SSL_ERROR_ZERO_RETURN:
            return .closed(.endOfStream)
        case SSL_ERROR_SYSCALL:
            ERR_clear_error()
            if error == ECONNRESET || error == EPIPE { return .closed(.reset) }
            // EOF without an error (OpenSSL reports it here when it ignores the missing alert).
            return error == 0 ? .closed(.endOfStream) : .failed("socket error: \(String(cString: strerror(error)))")
        default:
            return .failed(OpenSSLErrorQueue.takeText(fallback: "TLS failure"))
        }
    }
}

/// The protocol version, ALPN protocol and cipher suite a TLS handshake settled on.
public struct TLSNegotiated: Sendable, Equatable {
    /// `TLSv1.3` or `TLSv1.2`.
    public let version: String
    /// `http/1.1`, or empty when the server chose none.
    public let alpn: String
    /// OpenSSL's name of the suite, e.g. `TLS_AES_128_GCM_SHA256`.
    public let cipher: String
}
