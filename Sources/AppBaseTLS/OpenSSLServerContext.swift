import AppBaseHTTP
import COpenSSL

/// OpenSSL's server context: TLS 1.2 and 1.3 only, forward-secret AEAD suites (AES-128-GCM
/// first, ChaCha20 for clients that prefer it), ALPN `http/1.1`, session resumption (tickets,
/// and the session cache for TLS 1.2), and the certificate picked per handshake from the
/// `ServerCertificateStore` by SNI. Makes one `OpenSSLServerSession` per TLS connection.
///
/// `@unchecked Sendable`: a thin bridge over an `SSL_CTX`, which is configured once in `init`
/// and afterwards only used to create sessions — which OpenSSL documents as thread-safe — and
/// to read the store (itself thread-safe) from the certificate callback.
public final class OpenSSLServerContext: TLSSessionFactory, @unchecked Sendable {
    private let context: OpaquePointer
    private let store: ServerCertificateStore
    private let bioMethod: SessionBIOMethod

    /// TLS 1.2 suites (TLS 1.3's defaults are all AEAD and kept): ECDHE only, AES-GCM and
    /// ChaCha20-Poly1305, ECDSA first (the local CA's leaves) then RSA (an organisation's).
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// TLS 1.3 suites in the server's order (ADR 0041): AES-128-GCM first — with AES-NI the
    /// cheapest for both ends and as strong as the web needs — then AES-256-GCM, then
    /// ChaCha20-Poly1305, which a client without AES hardware asks for first and gets
    /// (`SSL_OP_PRIORITIZE_CHACHA`). OpenSSL's default puts AES-256 first.
    static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    /// - Throws: `TLSError` when OpenSSL refuses the configuration.
    public init(store: ServerCertificateStore) throws(TLSError) {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSError("OpenSSL cannot create a TLS context") }
        guard let bioMethod = SessionBIOMethod() else {
            SSL_CTX_free(context)
            throw TLSError("OpenSSL cannot create the session BIO type")
        }
        self.context = context
        self.store = store
        self.bioMethod = bioMethod
        SSL_CTX_set_options(context, appbase_ssl_server_options() | appbase_ssl_op_prioritize_chacha())
        // Record buffers are kept for the connection's life (no malloc and free of ~17 KiB per
        // SSL_read and SSL_write, ADR 0041); auto-retry (OpenSSL's default) stays on.
        _ = appbase_ssl_ctx_set_mode(context, appbase_ssl_mode_auto_retry())
        guard appbase_ssl_ctx_set_min_proto(context, appbase_tls1_2_version()) == 1,
              appbase_ssl_ctx_set_max_proto(context, appbase_tls1_3_version()) == 1,
              SSL_CTX_set_cipher_list(context, Self.tls12Ciphers) == 1,
              SSL_CTX_set_ciphersuites(context, Self.tls13Suites) == 1 else {
            ERR_clear_error()
            // No SSL_CTX_free here: every property is set, so `deinit` runs and frees it.
            throw TLSError("OpenSSL refused the TLS versions or cipher suites")
        }
        _ = appbase_ssl_ctx_set_session_cache_server(context)
        let sessionContext = Array("appbase".utf8)
        _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
        // One ticket per full handshake is enough for a client to resume.
        _ = SSL_CTX_set_num_tickets(context, 1)
        SSL_CTX_set_alpn_select_cb(context, { _, out, outLength, offered, offeredLength, _ in
            guard let out, let outLength, let offered else { return appbase_tlsext_err_noack() }
            let result = out.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 1) { selected in
                SSL_select_next_proto(selected, outLength, OpenSSLServerContext.alpnHTTP11, 9, offered, offeredLength)
            }
            return result == appbase_openssl_npn_negotiated() ? appbase_tlsext_err_ok() : appbase_tlsext_err_noack()
        }, nil)
        // The store outlives the context (this object holds both), so the unretained pointer is valid.
        SSL_CTX_set_cert_cb(context, { ssl, argument in
            guard let ssl, let argument else { return 0 }
            let store = Unmanaged<ServerCertificateStore>.fromOpaque(argument).takeUnretainedValue()
            let name = SSL_get_servername(ssl, appbase_tlsext_nametype_host_name()).map { String(cString: $0) }
            return store.openSSLIdentity(serverName: name).use(on: ssl) ? 1 : 0
        }, Unmanaged.passUnretained(store).toOpaque())
    }

    deinit { SSL_CTX_free(context) }

    /// `http/1.1` in ALPN wire format (length-prefixed), allocated once for the process.
    nonisolated(unsafe) static let alpnHTTP11: UnsafeMutablePointer<UInt8> = {
        // nonisolated(unsafe): written once here, only read afterwards (by OpenSSL's callback).
        let bytes: [UInt8] = [8] + Array("http/1.1".utf8)
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        return pointer
    }()

    public func makeServerSession(sink: any TLSCiphertextSink) -> (any TLSServerSession)? {
        OpenSSLServerSession(context: context, bioMethod: bioMethod, sink: sink)
    }
}
