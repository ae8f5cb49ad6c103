import AppBaseCore
import AppBaseHTTP
import AppBaseTLS
import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// How a raw-socket test reaches its server: the transport table the HTTP suites run over.
public enum TestTransport: String, CaseIterable, Sendable, CustomStringConvertible {
    /// A server without TLS, a plain client: the path as it was before TLS existed.
    case plain
    /// A server that also speaks TLS, a TLS client (`TLSClientChannel`) trusting the test CA.
    case tls
    /// A server that also speaks TLS, a plain client: the first byte hands the socket over.
    case plainBesideTLS

    /// True when the server must be given `TestTLS.identity()`'s session factory.
    public var serverSpeaksTLS: Bool { self != .plain }
    /// True when the client speaks TLS.
    public var clientSpeaksTLS: Bool { self == .tls }
    public var description: String { rawValue }
}

/// The TLS side of the in-process tests: one CA per test process, a server context whose
/// platform certificate covers `localhost` and `127.0.0.1`, and a client context that trusts
/// only that CA. Made once (a P-256 CA and a leaf), shared by every test.
public final class TestTLS: Sendable {
    /// The CA the client trusts (its PEM is what an app would hand to devices).
    public let authority: CertificateAuthority
    /// The server's OpenSSL context.
    public let serverContext: OpenSSLServerContext
    /// What `HTTPServer.setTLS` takes.
    public var sessionFactory: any TLSSessionFactory { serverContext }
    /// What `TLSClientChannel` connects with.
    let clientContext: TLSClientContext
    /// The name the client sends in SNI and checks in the certificate.
    public static let serverName = "localhost"

    private static let shared = Result { () throws(TLSError) -> TestTLS in try TestTLS() }

    /// The process's test TLS identity. - Throws: `TLSError` when it could not be made.
    public static func identity() throws(TLSError) -> TestTLS { try shared.get() }

    private init() throws(TLSError) {
        let clock = SystemWallClock()
        let directory: String
        do {
            directory = try TemporaryDirectory.make(prefix: "appbase-test-ca")
        } catch {
            throw TLSError("cannot make a directory for the test CA: \(error)")
        }
        defer { TemporaryDirectory.remove(directory) }  // the CA stays in memory
        authority = try CertificateAuthority.loadOrCreate(directory: directory, clock: clock)
        let store = try ServerCertificateStore(authority: authority, settings: TLSSettings(enabled: true),
                                               domain: "appbase.local", platformNames: [Self.serverName, "127.0.0.1"],
                                               clock: clock)
        serverContext = try OpenSSLServerContext(store: store)
        clientContext = try TLSClientContext(trusting: authority.pem)
    }
}

/// An OpenSSL client context that trusts one CA, verifies the server's name, offers ALPN
/// `http/1.1`, and writes partially (so a send can stop when the socket is full).
///
/// `@unchecked Sendable`: a thin bridge over an `SSL_CTX` configured in `init` (a test may
/// adjust a context of its own before its first connection) and then only used to create `SSL`
/// objects, which OpenSSL documents as thread-safe.
public final class TLSClientContext: @unchecked Sendable {
    public let context: OpaquePointer

    /// - Throws: `TLSError` when `pem` is not a certificate OpenSSL accepts.
    public init(trusting pem: String) throws(TLSError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSError("OpenSSL cannot create a client context") }
        self.context = context
        var bytes = Array(pem.utf8)
        let added = bytes.withUnsafeMutableBytes { raw -> Bool in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return false }
            defer { BIO_free(bio) }
            guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else { return false }
            defer { X509_free(certificate) }
            return X509_STORE_add_cert(SSL_CTX_get_cert_store(context), certificate) == 1
        }
        guard added else {
            // No SSL_CTX_free here: every property is set, so `deinit` runs and frees it.
            throw TLSError("the test CA is not a PEM certificate OpenSSL accepts")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        // A server that closes without close_notify (an abortive close) reads as end of stream,
        // as the plain client sees it; partial writes let a send stop at a full socket.
        SSL_CTX_set_options(context, appbase_ssl_op_ignore_unexpected_eof())
        _ = appbase_ssl_ctx_set_mode(context, appbase_ssl_mode_partial_moving_writes())
        // OpenSSL writes to the socket with write(2), not send(MSG_NOSIGNAL): a write to a socket
        // the server reset must fail with EPIPE instead of killing the test process.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { SSL_CTX_free(context) }
}
