import Synchronization

/// Access tokens whose signature, header, shape and `app` claim have been verified, with their
/// claims: a client sends the same token on every request for its 15-minute life, and checking it
/// again (base64url, HMAC-SHA256, JSON) was about a quarter of a point read's instructions.
///
/// What a hit skips is only what cannot change for the same bytes under the same key: the
/// signature and the parsed claims. Expiry is checked at every use (an expired entry is dropped),
/// and the caller still checks the session, revocation and the user against the current snapshot.
/// Only verified tokens are stored, so garbage cannot fill it; at `capacity` it is emptied and
/// refills with the tokens in use (no eviction order to maintain on the hot path). Keys are looked
/// up through `Hasher`'s per-process random seed, so a client cannot aim a guess at the bucket of
/// another client's token (docs/adr/0042-verified-token-cache.md). A lookup hashes the token's
/// length and last bytes only (`TokenKey`), and compares whole tokens.
final class VerifiedTokenCache: Sendable {
    /// The most tokens kept: about 0.5 KiB each (token and claims).
    let capacity: Int
    private let entries: Mutex<[TokenKey: AccessTokenClaims]>

    init(capacity: Int = 1024) {
        self.capacity = max(1, capacity)
        entries = Mutex([:])
    }

    /// The claims of `token` if it was verified earlier and has not expired at `now` (Unix seconds).
    /// Longer input than a token may be is not even hashed.
    func claims(for token: String, now: Int64) -> AccessTokenClaims? {
        guard token.utf8.count <= JWT.maximumTokenLength else { return nil }
        return entries.withLock { entries in
            let key = TokenKey(token)
            guard let claims = entries[key] else { return nil }
            guard now < claims.exp else {
                entries[key] = nil
                return nil
            }
            return claims
        }
    }

    /// Keeps `claims` of a token that `JWT.verify` just accepted.
    func insert(_ token: String, _ claims: AccessTokenClaims) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[TokenKey(token)] = claims
        }
    }

    /// How many tokens are kept (for tests).
    var count: Int { entries.withLock { $0.count } }
}

/// A cached token as a dictionary key: equal only to the same whole token, hashed by its length
/// and its last 32 bytes — the signature's, which differ between any two tokens the server
/// signed — so a lookup hashes 40 bytes rather than the whole token (a few hundred).
private struct TokenKey: Hashable {
    static let hashedSuffix = 32
    let token: String

    init(_ token: String) { self.token = token }

    static func == (lhs: TokenKey, rhs: TokenKey) -> Bool { lhs.token == rhs.token }

    func hash(into hasher: inout Hasher) {
        let utf8 = token.utf8
        hasher.combine(utf8.count)
        let hashed: Void? = utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(Self.hashedSuffix))))
        }
        if hashed == nil {
            for byte in utf8.suffix(Self.hashedSuffix) { hasher.combine(byte) }
        }
    }
}
