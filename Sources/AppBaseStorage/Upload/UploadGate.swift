import AppBaseCore
import AppBaseHTTP

/// The checks one file's bytes pass on their way to disk: the bucket's size limit, the quota
/// allowance, and the content type (declared, sniffed from the first bytes, allowed by the
/// bucket). Every check fails as early as the bytes allow: before the first byte when the
/// length or declared type already says no, else at the first byte too many.
struct UploadGate: Sendable {
    /// The bucket's limit on one file.
    let maxBytes: Int64
    /// Bytes left under the app and user quotas when the upload started; nil = no quota.
    /// The commit re-checks in its transaction, so concurrent uploads cannot overshoot.
    let quotaAllowance: Int64?
    let bucket: Bucket
    /// The client's type, normalised; nil when absent or `application/octet-stream`.
    let declaredType: String?
    private(set) var received: Int64 = 0
    private var prefix: [UInt8] = []
    private var decidedType: String?

    init(maxBytes: Int64, quotaAllowance: Int64?, bucket: Bucket, declaredType: String?) {
        self.maxBytes = maxBytes
        self.quotaAllowance = quotaAllowance
        self.bucket = bucket
        self.declaredType = declaredType
    }

    /// Checks made before any byte: the declared length (raw bodies) and the declared type.
    func checkUpfront(declaredLength: Int64?) throws(AppBaseError) {
        if let declaredLength { try checkSize(declaredLength) }
        if let declaredType, !bucket.allows(essence: MediaType.essence(declaredType)) {
            throw StorageErrors.unsupportedMediaType("This bucket does not accept \(MediaType.essence(declaredType)).")
        }
    }

    /// Counts `bytes`, enforcing the limits, and decides the type once enough bytes are seen.
    mutating func accept(_ bytes: [UInt8]) throws(AppBaseError) {
        received += Int64(bytes.count)
        try checkSize(received)
        guard decidedType == nil else { return }
        prefix.append(contentsOf: bytes.prefix(ContentSniffer.recommendedPrefixLength - prefix.count))
        if prefix.count >= ContentSniffer.recommendedPrefixLength { try decideType() }
    }

    /// The type to store, once every byte has been accepted.
    mutating func finish() throws(AppBaseError) -> String {
        if decidedType == nil { try decideType() }
        return decidedType ?? "application/octet-stream"
    }

    private func checkSize(_ size: Int64) throws(AppBaseError) {
        if size > maxBytes { throw StorageErrors.fileTooLarge(limit: maxBytes) }
        if let quotaAllowance, size > quotaAllowance {
            throw StorageErrors.quotaExceeded(remaining: quotaAllowance)
        }
    }

    /// Sniffs the prefix: a declaration the bytes contradict is refused (an empty file
    /// contradicts nothing), then the stored type must be one the bucket allows.
    private mutating func decideType() throws(AppBaseError) {
        let sniffed = ContentSniffer.sniff(prefix)
        if let declaredType, received > 0, !ContentSniffer.isConsistent(declared: declaredType, sniffed: sniffed) {
            throw StorageErrors.unsupportedMediaType(
                "The file's content does not match its declared type \(MediaType.essence(declaredType)).")
        }
        let type = declaredType ?? sniffed ?? "application/octet-stream"
        guard bucket.allows(essence: MediaType.essence(type)) else {
            throw StorageErrors.unsupportedMediaType("This bucket does not accept \(MediaType.essence(type)).")
        }
        decidedType = type
        prefix = []
    }

    /// Normalises a declared `Content-Type`: nil when absent, empty or `application/octet-stream`
    /// (meaning "unknown"); otherwise the lowercased essence plus a validated `charset`, and
    /// nothing else — the stored and served type is exactly the one the inline/attachment
    /// decision was made on (a raw value such as `text/plain; x=1, text/html` could be read
    /// differently by a browser).
    /// - Throws: 415 for anything that is not a media type.
    static func normalizedType(_ value: String?) throws(AppBaseError) -> String? {
        guard let value else { return nil }
        let trimmed = value.utf8.drop { $0 == 0x20 || $0 == 0x09 }
        guard !trimmed.isEmpty else { return nil }
        let essence = MediaType.essence(value)
        if essence == "application/octet-stream" { return nil }
        let parts = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts.allSatisfy({ $0.utf8.allSatisfy(MediaTypePattern.isRestrictedNameByte) }) else {
            throw StorageErrors.unsupportedMediaType("The Content-Type is not a valid media type.")
        }
        return charset(in: value).map { "\(essence); charset=\($0)" } ?? essence
    }

    /// The `charset` parameter when it is a plain token (`utf-8`, `iso-8859-1`), else nil.
    private static func charset(in value: String) -> String? {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2,
                  pair[0].trimmingASCIISpaces().lowercased() == "charset" else { continue }
            var token = pair[1].trimmingASCIISpaces()
            if token.hasPrefix("\""), token.hasSuffix("\""), token.count >= 2 { token = token.dropFirst().dropLast() }
            let valid = (1...40).contains(token.utf8.count) && token.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (97...122).contains(byte | 0x20) || byte == 45 || byte == 95 || byte == 46
            }
            return valid ? token.lowercased() : nil
        }
        return nil
    }
}
