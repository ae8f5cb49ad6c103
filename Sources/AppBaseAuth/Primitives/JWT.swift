import AppBaseCore
import Crypto

/// HS256 JSON Web Tokens (RFC 7519) in compact JWS form (RFC 7515), written directly on
/// swift-crypto's `HMAC<SHA256>`; see docs/adr/0005-access-tokens.md for why not a JWT library.
///
/// Only HS256 exists here. The header is checked to say exactly that (`alg` `HS256`, optional `typ`
/// `JWT`, nothing else) and is never used to pick an algorithm, so `alg: none`, algorithm confusion and
/// `crit` extensions are all simply `.invalid`. Verification runs on every authenticated request: it
/// decodes into stack buffers and reads header and claims with `JSONParser.parseFlatObject`, the strict
/// flat-object mode of the one JSON parser.
package enum JWT {
    /// The longest token `verify` will look at; longer input is `.invalid` without further work.
    package static let maximumTokenLength = 4096

    /// base64url of `{"alg":"HS256","typ":"JWT"}`, the only header `sign` writes.
    static let encodedHeader: StaticString = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

    /// The longest encoded header that is decoded and parsed when it is not `encodedHeader` verbatim.
    private static let maximumEncodedHeaderLength = 256
    /// An HMAC-SHA256 tag is 32 bytes: 43 base64url characters.
    private static let signatureByteCount = 32

    /// Signs `claims` with `secret` and returns the compact token `header.payload.signature`.
    package static func sign(claims: AccessTokenClaims, secret: SymmetricKey) -> String {
        sign(claims: claims, key: HS256Key(secret))
    }

    /// Signs `claims` with a prepared key; same output as `sign(claims:secret:)`.
    package static func sign(claims: AccessTokenClaims, key: HS256Key) -> String {
        let payload = claims.jsonBytes()
        var token: [UInt8] = []
        let headerCount = encodedHeader.utf8CodeUnitCount
        let payloadCount = Base64URL.encodedCount(forByteCount: payload.count)
        let signatureCount = Base64URL.encodedCount(forByteCount: signatureByteCount)
        token.reserveCapacity(headerCount + payloadCount + signatureCount + 2)
        token.append(contentsOf: UnsafeBufferPointer(start: encodedHeader.utf8Start, count: headerCount))
        token.append(UInt8(ascii: "."))
        appendBase64URL(payload, to: &token)
        let signature = token.withUnsafeBytes { key.authenticationCode(for: $0) }
        token.append(UInt8(ascii: "."))
        signature.withUnsafeBytes { appendBase64URL(Array($0), to: &token) }
        return String(decoding: token, as: UTF8.self)
    }

    /// Verifies `token` with a bare secret; see `verify(_:key:expectedApp:now:leeway:)`, which the
    /// per-request path should use with an `HS256Key` kept per app.
    package static func verify(
        _ token: String, secret: SymmetricKey, expectedApp: String, now: Int64, leeway: Int64 = 0
    ) throws(JWTError) -> AccessTokenClaims {
        guard token.utf8.count <= maximumTokenLength else { throw .invalid }
        return try verify(token, key: HS256Key(secret), expectedApp: expectedApp, now: now, leeway: leeway)
    }

    /// Verifies `token` and returns its claims.
    ///
    /// Order of checks: size and shape, header, signature (constant-time), claims, `app`, then expiry —
    /// so `.expired` is only ever reported for a genuine token of this app.
    /// - Parameters:
    ///   - key: the app's prepared JWT key (from `HMACKeyDerivation.jwtKey(master:)`).
    ///   - expectedApp: the app receiving the request; a token of any other app is `.invalid`.
    ///   - now: the current time, Unix seconds.
    ///   - leeway: seconds of clock skew tolerated after `exp` (negative counts as 0).
    /// - Throws: `JWTError.invalid` or `JWTError.expired` (expired when `now >= exp + leeway`).
    package static func verify(
        _ token: String, key: HS256Key, expectedApp: String, now: Int64, leeway: Int64 = 0
    ) throws(JWTError) -> AccessTokenClaims {
        guard token.utf8.count <= maximumTokenLength else { throw .invalid }
        var token = token
        let parsed = token.withUTF8 { bytes in
            withAuthenticatedPayload(of: bytes, key: key) { AccessTokenClaims(json: $0) }
        }
        // Byte comparison: `==` on String would also accept a canonically equivalent spelling.
        guard let parsed, let claims = parsed, claims.app.hasSameUTF8(as: expectedApp) else { throw .invalid }
        let (deadline, overflow) = claims.exp.addingReportingOverflow(max(0, leeway))
        if !overflow, now >= deadline { throw .expired }
        return claims
    }

    /// Checks the token's shape, header and signature; if all hold, decodes the payload into stack memory
    /// and returns `body(payload)`. Returns nil for any failure. The payload is not interpreted here.
    static func withAuthenticatedPayload<Output>(
        of token: UnsafeBufferPointer<UInt8>, key: HS256Key,
        _ body: (UnsafeBufferPointer<UInt8>) -> Output
    ) -> Output? {
        guard token.count <= maximumTokenLength, let (firstDot, secondDot) = dotPositions(in: token) else { return nil }
        let header = UnsafeBufferPointer(rebasing: token[..<firstDot])
        let payload = UnsafeBufferPointer(rebasing: token[(firstDot + 1)..<secondDot])
        let signature = UnsafeBufferPointer(rebasing: token[(secondDot + 1)...])
        let signingInput = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(token)[..<secondDot])

        guard isAcceptedHeader(header), hasValidSignature(signature, over: signingInput, key: key),
              let payloadCount = Base64URL.decodedCount(forEncodedCount: payload.count)
        else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(payloadCount, 1)) { buffer in
            guard let written = Base64URL.decode(payload, into: buffer) else { return nil }
            return body(UnsafeBufferPointer(rebasing: buffer[..<written]))
        }
    }

    /// The positions of the two dots of a compact token in one pass; nil unless there are exactly two.
    private static func dotPositions(in token: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        var first = -1
        var second = -1
        for index in token.indices where token[index] == UInt8(ascii: ".") {
            if first < 0 {
                first = index
            } else if second < 0 {
                second = index
            } else {
                return nil
            }
        }
        return second < 0 ? nil : (first, second)
    }

    /// True for our own encoded header verbatim, or for any header object whose members are exactly
    /// `alg: "HS256"` and optionally `typ: "JWT"` (any spacing or order). Anything else — `crit`, `kid`,
    /// `jku`, another `alg`, `typ` other than JWT, malformed base64url or JSON — is refused.
    static func isAcceptedHeader(_ encoded: UnsafeBufferPointer<UInt8>) -> Bool {
        let canonicalCount = encodedHeader.utf8CodeUnitCount
        if encoded.count == canonicalCount,
           encoded.elementsEqual(UnsafeBufferPointer(start: encodedHeader.utf8Start, count: canonicalCount)) {
            return true
        }
        guard encoded.count <= maximumEncodedHeaderLength,
              let count = Base64URL.decodedCount(forEncodedCount: encoded.count), count > 0
        else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            guard let written = Base64URL.decode(encoded, into: buffer) else { return false }
            var hasAlgorithm = false
            do {
                try JSONParser.parseFlatObject(UnsafeBufferPointer(rebasing: buffer[..<written])) { key, value in
                    switch (String(decoding: key, as: UTF8.self), value) {
                    case ("alg", .string("HS256")):
                        hasAlgorithm = true
                        return true
                    case ("typ", .string("JWT")):
                        return true
                    default:
                        return false
                    }
                }
            } catch {
                return false
            }
            return hasAlgorithm
        }
    }

    /// Decodes the signature segment (exactly 32 bytes) and compares it in constant time with the
    /// HMAC-SHA256 of `signingInput` under `key`.
    private static func hasValidSignature(
        _ encoded: UnsafeBufferPointer<UInt8>, over signingInput: UnsafeRawBufferPointer, key: HS256Key
    ) -> Bool {
        guard encoded.count == Base64URL.encodedCount(forByteCount: signatureByteCount) else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: signatureByteCount) { presented in
            guard Base64URL.decode(encoded, into: presented) == signatureByteCount else { return false }
            let expected = key.authenticationCode(for: signingInput)
            return expected.withUnsafeBytes { expectedBytes in
                ConstantTime.equals(
                    expectedBytes.assumingMemoryBound(to: UInt8.self),
                    UnsafeBufferPointer(presented)
                )
            }
        }
    }

    /// Appends the base64url encoding of `bytes` to `token` without an intermediate string.
    private static func appendBase64URL(_ bytes: [UInt8], to token: inout [UInt8]) {
        let start = token.count
        let count = Base64URL.encodedCount(forByteCount: bytes.count)
        token.append(contentsOf: repeatElement(0, count: count))
        token.withUnsafeMutableBufferPointer { output in
            bytes.withUnsafeBufferPointer { input in
                _ = Base64URL.encode(input, into: UnsafeMutableBufferPointer(rebasing: output[start...]))
            }
        }
    }
}
