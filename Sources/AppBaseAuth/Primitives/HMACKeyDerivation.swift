import Crypto

/// Derives independent, purpose-bound keys from an app's master secret with HKDF-SHA256 (RFC 5869).
///
/// One master secret per app is stored; every use gets its own key through a distinct `info` string,
/// so the signed-URL key is never the JWT key and a MAC made for one purpose never verifies for
/// another. Rotating the master secret rotates every derived key at once.
package enum HMACKeyDerivation {
    /// Purpose of the key that signs access tokens.
    package static let jwtPurpose = "jwt-hs256"
    /// Purpose of the key that signs storage URLs.
    package static let signedURLPurpose = "signed-url"
    /// Purpose of the key that derives a rotated refresh token's successor (see `RefreshSuccessor`).
    package static let refreshSuccessorPurpose = "refresh-successor"

    /// Fixed HKDF salt: a domain separator for this scheme, not a secret.
    private static let salt = Array("appbase/hkdf/v1".utf8)

    /// Derives a `byteCount`-byte key for `purpose` (a short, stable ASCII label) from `master`.
    package static func derive(master: SymmetricKey, purpose: String, byteCount: Int = 32) -> SymmetricKey {
        precondition(!purpose.isEmpty, "a key purpose is required")
        precondition(byteCount > 0 && byteCount <= 255 * 32, "HKDF-SHA256 output must be 1...8160 bytes")
        return HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master,
            salt: salt,
            info: Array("appbase/\(purpose)".utf8),
            outputByteCount: byteCount
        )
    }

    /// The app's access-token (HS256) key.
    package static func jwtKey(master: SymmetricKey) -> SymmetricKey {
        derive(master: master, purpose: jwtPurpose)
    }

    /// The app's signed-URL key.
    package static func signedURLKey(master: SymmetricKey) -> SymmetricKey {
        derive(master: master, purpose: signedURLPurpose)
    }
}
