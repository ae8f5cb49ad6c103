import COpenSSL

/// OpenSSL's per-thread error queue, read as text.
public enum OpenSSLErrorQueue {
    /// The first queued error as text (or `fallback` when none is queued); clears the queue so
    /// the next operation on this thread starts clean.
    public static func takeText(fallback: String = "TLS connection failed") -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return fallback }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
