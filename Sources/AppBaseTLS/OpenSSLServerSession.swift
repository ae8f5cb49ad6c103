import AppBaseHTTP
import COpenSSL

/// One TLS connection's OpenSSL state over two memory BIOs: the transport writes received
/// ciphertext into `input` and takes outgoing records from `output`; OpenSSL never touches the
/// socket, so libuv keeps owning it (ADR 0031). Confined to the loop thread.
final class OpenSSLServerSession: TLSServerSession {
    private let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer

    init?(context: OpaquePointer) {
        guard let ssl = SSL_new(context) else { return nil }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            return nil
        }
        // An empty memory BIO means "retry later", not end of file.
        _ = appbase_bio_set_mem_eof_return(input, -1)
        _ = appbase_bio_set_mem_eof_return(output, -1)
        SSL_set_bio(ssl, input, output)  // the SSL owns both BIOs from here on
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.input = input
        self.output = output
    }

    deinit { SSL_free(ssl) }

    func receiveCiphertext(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        return BIO_write(input, base, Int32(clamping: bytes.count)) == Int32(clamping: bytes.count)
    }

    func readPlaintext(into buffer: UnsafeMutableRawBufferPointer) -> TLSReadOutcome {
        let count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if count > 0 { return .bytes(Int(count)) }
        switch SSL_get_error(ssl, count) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .needMore
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        default:
            return .failed(Self.takeErrorText())
        }
    }

    func encrypt(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        // Memory BIOs take everything, so each call writes all it is given (no partial writes).
        while offset < bytes.count {
            let length = Int32(clamping: bytes.count - offset)
            let written = SSL_write(ssl, base + offset, length)
            guard written > 0 else {
                _ = Self.takeErrorText()
                return false
            }
            offset += Int(written)
        }
        return true
    }

    var hasCiphertext: Bool { BIO_ctrl_pending(output) > 0 }

    func drainCiphertext(using scratch: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard let base = scratch.baseAddress else { return }
        while true {
            let count = BIO_read(output, base, Int32(clamping: scratch.count))
            guard count > 0 else { return }
            body(UnsafeRawBufferPointer(start: base, count: Int(count)))
        }
    }

    var isHandshakeComplete: Bool { SSL_is_init_finished(ssl) == 1 }

    func shutdown() {
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// The first queued OpenSSL error as text; clears the thread's queue for the next session.
    private static func takeErrorText() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "TLS connection failed" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
