import AppBaseCore
import Crypto

/// Random bearer secrets that mean nothing by themselves — API keys and refresh tokens — and the
/// one-way hash under which they are stored.
///
/// Each carries 256 bits from `SecureRandom`, so a plain SHA-256 (no salt, no stretching) is the right
/// storage hash: nobody can guess 2^256 values, and a fast hash allows an indexed lookup by hash. The
/// database never holds a usable token; the plaintext is shown once, when it is created.
package enum OpaqueToken {
    /// The prefix of every API key; it makes keys recognisable to secret scanners and in logs.
    package static let apiKeyPrefix = "hs_live_"
    /// Random bytes in every API key and refresh token.
    package static let randomByteCount = 32
    /// Characters of base64url for `randomByteCount` bytes (43).
    package static let encodedRandomCount = Base64URL.encodedCount(forByteCount: randomByteCount)
    /// Characters of a key that may be shown and stored in clear to identify it, e.g. `hs_live_AbCd`.
    package static let displayPrefixLength = 12

    /// A new API key: `hs_live_` followed by 43 base64url characters (51 characters in all).
    package static func generateAPIKey() -> String {
        apiKeyPrefix + Base64URL.encode(SecureRandom.bytes(count: randomByteCount))
    }

    /// A new refresh token: 43 base64url characters (256 random bits).
    package static func generateRefreshToken() -> String {
        Base64URL.encode(SecureRandom.bytes(count: randomByteCount))
    }

    /// The 32-byte SHA-256 of the token's UTF-8 text: the value stored and looked up.
    package static func hash(_ token: String) -> [UInt8] {
        var token = token
        return token.withUTF8 { bytes in
            Array(SHA256.hash(data: UnsafeRawBufferPointer(bytes)))
        }
    }

    /// The first 12 characters of a key (`hs_live_` and four random characters), for listing keys.
    package static func displayPrefix(of key: String) -> String {
        String(key.prefix(displayPrefixLength))
    }

    /// True when `key` has the exact API key shape: the prefix and 43 canonical base64url characters.
    /// A cheap check before any database lookup; it says nothing about whether the key exists.
    package static func isWellFormedAPIKey(_ key: String) -> Bool {
        guard key.utf8.count == apiKeyPrefix.utf8.count + encodedRandomCount,
              key.utf8.starts(with: apiKeyPrefix.utf8)
        else { return false }
        return Base64URL.decode(bytes: key.utf8.dropFirst(apiKeyPrefix.utf8.count))?.count == randomByteCount
    }

    /// True when `token` has the exact refresh token shape: 43 canonical base64url characters.
    package static func isWellFormedRefreshToken(_ token: String) -> Bool {
        token.utf8.count == encodedRandomCount && Base64URL.decode(token)?.count == randomByteCount
    }
}
