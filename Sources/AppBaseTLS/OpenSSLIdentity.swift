import COpenSSL

/// A certificate chain and key parsed into OpenSSL objects once, so a handshake only takes
/// references (`SSL_use_cert_and_key` adds its own).
///
/// `@unchecked Sendable`: a thin bridge over OpenSSL objects that are never mutated after
/// `init` and are reference-counted with atomics; OpenSSL documents shared `X509`/`EVP_PKEY`
/// as safe to use from several threads for reading.
final class OpenSSLIdentity: @unchecked Sendable {
    let leaf: OpaquePointer
    let key: OpaquePointer
    /// Intermediates (empty for a leaf issued by the local CA, whose root clients trust).
    let chain: OpaquePointer?

    init(_ identity: IssuedIdentity) throws(TLSError) {
        var certificates = OpenSSLIdentity.parseCertificates(identity.chainPEM)
        guard !certificates.isEmpty else { throw TLSError("no certificate in the chain for \(identity.names.first ?? "?")") }
        guard let key = OpenSSLIdentity.parseKey(identity.keyPEM) else {
            certificates.forEach { X509_free($0) }
            throw TLSError("the private key for \(identity.names.first ?? "?") cannot be read by OpenSSL")
        }
        leaf = certificates.removeFirst()
        self.key = key
        if certificates.isEmpty {
            chain = nil
        } else {
            let stack = OPENSSL_sk_new_null()
            for certificate in certificates { OPENSSL_sk_push(stack, UnsafeRawPointer(certificate)) }
            chain = stack
        }
        guard X509_check_private_key(leaf, key) == 1 else {
            ERR_clear_error()
            throw TLSError("the private key for \(identity.names.first ?? "?") does not match its certificate")
        }
    }

    deinit {
        X509_free(leaf)
        EVP_PKEY_free(key)
        if let chain {
            while OPENSSL_sk_num(chain) > 0 {
                if let certificate = OPENSSL_sk_pop(chain) { X509_free(OpaquePointer(certificate)) }
            }
            OPENSSL_sk_free(chain)
        }
    }

    /// Puts this identity on a handshake in progress (from the certificate callback).
    func use(on ssl: OpaquePointer) -> Bool {
        SSL_use_cert_and_key(ssl, leaf, key, chain, 1) == 1
    }

    private static func parseCertificates(_ pem: String) -> [OpaquePointer] {
        withMemoryBIO(pem) { bio in
            var certificates: [OpaquePointer] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { certificates.append(certificate) }
            // The loop ends on "no more PEM": not an error worth keeping on the thread's queue.
            ERR_clear_error()
            return certificates
        }
    }

    private static func parseKey(_ pem: String) -> OpaquePointer? {
        withMemoryBIO(pem) { bio in
            let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            ERR_clear_error()
            return key
        }
    }

    private static func withMemoryBIO<T>(_ text: String, _ body: (OpaquePointer?) -> T) -> T {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { raw in
            let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count))
            defer { BIO_free(bio) }
            return body(bio)
        }
    }
}
