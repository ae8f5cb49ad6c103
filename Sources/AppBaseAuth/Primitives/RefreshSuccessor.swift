import AppBaseCore
import Crypto

/// Derives the pair that rotating a refresh token issues, deterministically from the presented token,
/// so that presenting the same token again within the grace window yields the very same pair
/// (docs/adr/0015-idempotent-refresh-rotation.md).
///
/// The successor is HMAC-SHA256 of the presented token's *plaintext* under a key derived from the
/// app's master secret. The database holds only token hashes, so even a reader of `app.sqlite` (which
/// also holds the master secret) cannot compute a successor from what is stored: that needs the
/// plaintext token, which only its holder has.
package struct RefreshSuccessor: Sendable {
    private let key: HS256Key

    /// Prepares the derivation key (normally from `HMACKeyDerivation.derive(…, purpose: refreshSuccessorPurpose)`).
    package init(key: SymmetricKey) {
        self.key = HS256Key(key)
    }

    /// The refresh token that replaces `presented`: 43 base64url characters, shaped as any refresh token.
    package func token(after presented: String) -> String {
        Base64URL.encode(mac("token", presented))
    }

    /// The `jti` of the access token issued together with `refreshToken` (128 bits), so that a repeated
    /// rotation signs byte-identical claims.
    package func accessTokenID(for refreshToken: String) -> String {
        Base64URL.encode(Array(mac("jti", refreshToken).prefix(16)))
    }

    /// HMAC over `label`, a NUL separator and `text` — the label keeps the two uses apart.
    private func mac(_ label: String, _ text: String) -> [UInt8] {
        let message = Array(label.utf8) + [0] + Array(text.utf8)
        return message.withUnsafeBytes { Array(key.authenticationCode(for: $0)) }
    }
}
