import AppBaseCore
import Crypto

/// Signs and verifies download URLs: `/storage/signed/<bucket>/<fileId>?v=<version>&g=<bucket URL
/// generation>&exp=<unix seconds>&sig=<base64url HMAC-SHA-256>`.
///
/// The MAC covers the app, bucket, file id, version, the bucket's URL generation (the download
/// checks it is still current, so bumping it revokes the bucket's URLs) and expiry, so none of them can be changed
/// without invalidating it, and a URL of one app never verifies in another. Its key is derived
/// from the app's master secret for this purpose alone (HKDF-SHA256, the scheme of
/// docs/adr/0005-access-tokens.md: salt `appbase/hkdf/v1`, info `appbase/signed-url`), so it is
/// never the JWT key. Verification is constant-time (`HMAC.isValidAuthenticationCode`).
struct SignedURLSigner: Sendable {
    /// The fields a signed URL carries besides its signature.
    struct Claims: Sendable, Equatable {
        var bucket: String
        var fileID: String
        var version: Int64
        /// `Bucket.urlGeneration` when the URL was signed.
        var generation: Int64
        /// Unix seconds; the URL is valid while `now < expiresAt`.
        var expiresAt: Int64
    }

    private let app: String
    private let key: SymmetricKey

    init(app: String, masterSecret: [UInt8]) {
        self.app = app
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: masterSecret),
                                     salt: Array("appbase/hkdf/v1".utf8), info: Array("appbase/signed-url".utf8),
                                     outputByteCount: 32)
    }

    /// The relative URL for `claims`.
    func url(for claims: Claims) -> String {
        "/storage/signed/\(claims.bucket)/\(claims.fileID)?v=\(claims.version)&g=\(claims.generation)"
            + "&exp=\(claims.expiresAt)&sig="
            + Base64URL.encode(mac(claims))
    }

    /// Checks a presented URL's fields.
    /// - Throws: 403 `invalid_signature` for anything malformed or altered; 403 `url_expired`
    ///   (only for a genuine URL) once `nowSeconds >= exp`.
    func verify(bucket: String, fileID: String, version: String?, generation: String?, expiresAt: String?,
                signature: String?, nowSeconds: Int64) throws(AppBaseError) -> Claims {
        guard let version = version.flatMap(Self.positiveInteger), let generation = generation.flatMap(Self.positiveInteger),
              let expiresAt = expiresAt.flatMap(Self.positiveInteger),
              let signature, signature.utf8.count == 43, let presented = Base64URL.decode(signature),
              presented.count == 32 else { throw StorageErrors.invalidSignature }
        let claims = Claims(bucket: bucket, fileID: fileID, version: version, generation: generation, expiresAt: expiresAt)
        let valid = message(claims).withUnsafeBytes { bytes in
            HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: bytes, using: key)
        }
        guard valid else { throw StorageErrors.invalidSignature }
        guard nowSeconds < expiresAt else { throw StorageErrors.urlExpired }
        return claims
    }

    private func mac(_ claims: Claims) -> [UInt8] {
        message(claims).withUnsafeBytes { Array(HMAC<SHA256>.authenticationCode(for: $0, using: key)) }
    }

    /// Newline-separated fields; none can contain a newline (bucket names, UUIDs, app names,
    /// decimal numbers), so the encoding is unambiguous.
    private func message(_ claims: Claims) -> [UInt8] {
        Array(("appbase-signed-url-v2\n\(app)\n\(claims.bucket)\n\(claims.fileID)\n\(claims.version)\n"
            + "\(claims.generation)\n\(claims.expiresAt)").utf8)
    }

    /// Canonical decimal digits (no sign, no leading zero, at most 18), greater than zero: one
    /// spelling per value, so a URL's text is exactly what was signed.
    private static func positiveInteger(_ text: String) -> Int64? {
        guard (1...18).contains(text.utf8.count), text.utf8.first != UInt8(ascii: "0"),
              text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let value = Int64(text), value > 0 else { return nil }
        return value
    }
}
