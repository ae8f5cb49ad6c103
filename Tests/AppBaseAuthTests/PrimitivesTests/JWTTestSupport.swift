import AppBaseCore
import Crypto
@testable import AppBaseAuth

/// Builds tokens by hand, independently of `JWT.sign`, so tests can sign arbitrary headers and payloads.
enum JWTTestSupport {
    static let secret = SymmetricKey(data: Array("appbase-test-secret-0123456789ab".utf8))
    static let now: Int64 = 1_700_000_100

    /// Claims valid at `now`, expiring 800 s later.
    static let claims = AccessTokenClaims(
        sub: "usr_1", sid: "ses_1", app: "notes", iat: 1_700_000_000, exp: 1_700_000_900, jti: "jti-1"
    )

    /// A compact JWS over the given JSON texts, HMAC-SHA256-signed with `key`.
    static func token(header: String, payload: String, key: SymmetricKey = secret) -> String {
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return signingInput + "." + Base64URL.encode(Array(mac))
    }

    /// A token with our usual header and `payload`.
    static func token(payload: String, key: SymmetricKey = secret) -> String {
        token(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: payload, key: key)
    }

    /// Verifies with the fixture's app, time and secret.
    static func verify(_ token: String, now: Int64 = now, leeway: Int64 = 0) -> Result<AccessTokenClaims, JWTError> {
        Result { () throws(JWTError) in
            try JWT.verify(token, secret: secret, expectedApp: "notes", now: now, leeway: leeway)
        }
    }

    /// Replaces segment `index` (0 header, 1 payload, 2 signature) of a compact token.
    static func replacingSegment(_ index: Int, of token: String, with segment: String) -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[index] = segment
        return parts.joined(separator: ".")
    }
}
