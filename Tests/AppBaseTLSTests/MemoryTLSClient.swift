import AppBaseHTTP
import AppBaseTLS
import AppBaseTestSupport
import COpenSSL

/// An OpenSSL client over memory BIOs, wired straight to a server session in the same test:
/// no sockets, so the handshake, SNI, ALPN, versions and resumption are checked on their own.
final class MemoryTLSClient {
    private let clientContext: TLSClientContext
    let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer

    /// - Parameters: `trustedPEM` is the CA the client trusts; `serverName` goes in SNI and is
    ///   the name the certificate must cover; `maxVersion` caps the client's TLS version.
    /// - Throws: `TLSError` when `trustedPEM` is not a certificate.
    init(trustedPEM: String, serverName: String?, maxVersion: Int32 = 0, session: OpaquePointer? = nil) throws(TLSError) {
        clientContext = try TLSClientContext(trusting: trustedPEM)
        let context = clientContext.context
        if maxVersion != 0 {
            // Security level 0 lets this client offer TLS 1.0/1.1 at all: a refusal must be the server's.
            SSL_CTX_set_security_level(context, 0)
            _ = appbase_ssl_ctx_set_min_proto(context, TLS1_VERSION)
            _ = appbase_ssl_ctx_set_max_proto(context, maxVersion)
        }
        ssl = SSL_new(context)
        input = BIO_new(BIO_s_mem())
        output = BIO_new(BIO_s_mem())
        _ = appbase_bio_set_mem_eof_return(input, -1)
        _ = appbase_bio_set_mem_eof_return(output, -1)
        SSL_set_bio(ssl, input, output)
        SSL_set_connect_state(ssl)
        if let serverName {
            _ = appbase_ssl_set_tlsext_host_name(ssl, serverName)
            _ = SSL_set1_host(ssl, serverName)
        }
        let protocols: [UInt8] = [2] + Array("h2".utf8) + [8] + Array("http/1.1".utf8)
        _ = SSL_set_alpn_protos(ssl, protocols, UInt32(protocols.count))
        if let session { SSL_set_session(ssl, session) }
    }

    deinit { SSL_free(ssl) }

    /// Runs the handshake against `server`, then sends `request` and reads the server's
    /// plaintext back through `respond`. Returns false when either side failed.
    func exchange(with server: MemoryTLSServer, request: [UInt8], respond: ([UInt8]) -> [UInt8]) -> (ok: Bool, reply: [UInt8]) {
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        var plaintext = [UInt8](repeating: 0, count: 64 * 1024)
        var sent = false
        var received: [UInt8] = []
        var reply: [UInt8] = []
        // Bounded: a handshake takes a few round trips; 20 is far beyond any success.
        for _ in 0..<20 {
            if !sent {
                let step = SSL_do_handshake(ssl)
                if step == 1 {
                    _ = request.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
                    sent = true
                } else if SSL_get_error(ssl, step) != SSL_ERROR_WANT_READ {
                    ERR_clear_error()
                    return (false, [])
                }
            }
            // Client → server: each read of the client's output is one "socket read" for the server.
            while true {
                let count = scratch.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
                guard count > 0 else { break }
                let outcome = scratch.withUnsafeBytes { ciphertext in
                    plaintext.withUnsafeMutableBytes { buffer in
                        server.session.decrypt(UnsafeRawBufferPointer(rebasing: ciphertext[..<Int(count)]), into: buffer) { length in
                            received += buffer[..<length]
                            if received.count >= request.count {
                                let answer = respond(received)
                                _ = answer.withUnsafeBytes { server.session.encrypt($0) }
                                received = []
                            }
                            return true
                        }
                    }
                }
                if case .failed = outcome { return (false, []) }
            }
            // Server → client.
            let produced = server.takeOutput()
            _ = produced.withUnsafeBytes { BIO_write(input, $0.baseAddress, Int32($0.count)) }
            if sent {
                while true {
                    let count = plaintext.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
                    guard count > 0 else { break }
                    reply += plaintext[..<Int(count)]
                }
                if !reply.isEmpty { return (true, reply) }
            }
        }
        ERR_clear_error()
        return (false, reply)
    }

    var verified: Bool { SSL_get_verify_result(ssl) == Int(appbase_x509_v_ok()) }
    var resumed: Bool { appbase_ssl_session_reused(ssl) == 1 }
    var version: Int32 { SSL_version(ssl) }

    var alpn: String {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The session to resume with (the caller frees it with `SSL_SESSION_free`).
    func session() -> OpaquePointer? { SSL_get1_session(ssl) }
}

/// A server session and the ciphertext it produced, for `MemoryTLSClient`.
final class MemoryTLSServer {
    /// The session's sink (which the session does not retain), held as long as the session.
    private let sink = CollectingSink()
    let session: any TLSServerSession

    /// A new session of `context`; nil when OpenSSL cannot make one.
    init?(context: any TLSSessionFactory) {
        guard let made = context.makeServerSession(sink: sink) else { return nil }
        session = made
    }

    /// What the session produced since the last call.
    func takeOutput() -> [UInt8] {
        defer { sink.bytes = [] }
        return sink.bytes
    }

    private final class CollectingSink: TLSCiphertextSink {
        var bytes: [UInt8] = []
        func sessionProduced(_ ciphertext: UnsafeRawBufferPointer) { bytes.append(contentsOf: ciphertext) }
    }
}
