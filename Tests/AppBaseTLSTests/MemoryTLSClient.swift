import AppBaseHTTP
import COpenSSL

/// An OpenSSL client over memory BIOs, wired straight to a server session in the same test:
/// no sockets, so the handshake, SNI, ALPN, versions and resumption are checked on their own.
final class MemoryTLSClient {
    let context: OpaquePointer
    let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer

    /// - Parameters: `trustedPEM` is the CA the client trusts; `serverName` goes in SNI and is
    ///   the name the certificate must cover; `maxVersion` caps the client's TLS version.
    init(trustedPEM: String, serverName: String?, maxVersion: Int32 = 0, session: OpaquePointer? = nil) {
        context = SSL_CTX_new(TLS_client_method())
        let store = SSL_CTX_get_cert_store(context)
        var bytes = Array(trustedPEM.utf8)
        bytes.withUnsafeMutableBytes { raw in
            let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count))
            if let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                X509_STORE_add_cert(store, certificate)
                X509_free(certificate)
            }
            BIO_free(bio)
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
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

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Runs the handshake against `server`, then sends `request` and reads the server's
    /// plaintext back through `respond`. Returns false when either side failed.
    func exchange(with server: any TLSServerSession, request: [UInt8], respond: ([UInt8]) -> [UInt8]) -> (ok: Bool, reply: [UInt8]) {
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
            // Client → server.
            while true {
                let count = scratch.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
                guard count > 0 else { break }
                _ = scratch.withUnsafeBytes { server.receiveCiphertext(UnsafeRawBufferPointer(rebasing: $0[..<Int(count)])) }
            }
            readLoop: while true {
                let outcome = plaintext.withUnsafeMutableBytes { server.readPlaintext(into: $0) }
                switch outcome {
                case .bytes(let count):
                    received += plaintext[..<count]
                    if received.count >= request.count {
                        let answer = respond(received)
                        _ = answer.withUnsafeBytes { server.encrypt($0) }
                        received = []
                    }
                case .needMore, .closed:
                    break readLoop
                case .failed:
                    return (false, [])
                }
            }
            // Server → client.
            scratch.withUnsafeMutableBytes { raw in
                server.drainCiphertext(using: raw) { piece in _ = BIO_write(input, piece.baseAddress, Int32(piece.count)) }
            }
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
