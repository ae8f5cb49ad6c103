import COpenSSL

/// The BIO type every `OpenSSLServerSession` reads and writes through (ADR 0041): reads take
/// ciphertext straight from the bytes libuv read (borrowed for one `decrypt` call), writes hand
/// each record to the session's sink as OpenSSL produces it. Memory BIOs (ADR 0031) cost a
/// zero-fill and two copies of every outgoing byte and a zero-fill and a copy of every incoming
/// one; this costs the one copy OpenSSL makes into or out of its record buffer.
///
/// One `BIO_METHOD` per server context, freed when the last session and the context are gone
/// (each session holds this object). `@unchecked Sendable`: a thin bridge over a `BIO_METHOD`
/// that is configured once in `init` and afterwards only read by OpenSSL (`BIO_new`), which it
/// documents as safe from any thread.
final class SessionBIOMethod: @unchecked Sendable {
    let method: OpaquePointer

    init?() {
        guard let method = BIO_meth_new(BIO_get_new_index() | appbase_bio_type_source_sink(), "appbase-session") else {
            return nil
        }
        self.method = method
        // The BIO's data is its session, unretained: the session owns the SSL, which owns the BIO.
        _ = BIO_meth_set_read_ex(method) { bio, destination, capacity, readBytes in
            guard let bio, let destination, let readBytes, let data = BIO_get_data(bio) else { return 0 }
            appbase_bio_clear_retry_flags(bio)
            let session = Unmanaged<OpenSSLServerSession>.fromOpaque(data).takeUnretainedValue()
            let count = session.takeCiphertext(into: UnsafeMutableRawBufferPointer(start: destination, count: capacity))
            guard count > 0 else {
                // Nothing more in this read: "try again later", not end of file.
                appbase_bio_set_retry_read(bio)
                return 0
            }
            readBytes.pointee = count
            return 1
        }
        _ = BIO_meth_set_write_ex(method) { bio, source, length, written in
            guard let bio, let written, let data = BIO_get_data(bio) else { return 0 }
            let session = Unmanaged<OpenSSLServerSession>.fromOpaque(data).takeUnretainedValue()
            session.produced(UnsafeRawBufferPointer(start: source, count: length))
            written.pointee = length
            return 1
        }
        // Only a flush needs an answer (every write already went to the sink); everything else
        // (pending counts, kTLS queries) is "not supported".
        _ = BIO_meth_set_ctrl(method) { _, command, _, _ in command == appbase_bio_ctrl_flush() ? 1 : 0 }
    }

    deinit { BIO_meth_free(method) }

    /// A new BIO of this type that serves `session` (unretained).
    func makeBIO(for session: OpenSSLServerSession) -> OpaquePointer? {
        guard let bio = BIO_new(method) else { return nil }
        BIO_set_data(bio, Unmanaged.passUnretained(session).toOpaque())
        BIO_set_init(bio, 1)
        return bio
    }
}
