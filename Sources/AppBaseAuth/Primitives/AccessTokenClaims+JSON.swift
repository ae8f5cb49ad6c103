import AppBaseCore
import OrderedCollections

/// The fixed JSON layout of the claims: `{"sub":…,"sid":…,"app":…,"iat":…,"exp":…,"jti":…}`.
extension AccessTokenClaims {
    /// The claims as compact JSON, members always in the order above.
    func jsonBytes() -> [UInt8] {
        let object: JSONValue = .object([
            "sub": .string(sub), "sid": .string(sid), "app": .string(app),
            "iat": .int(iat), "exp": .int(exp), "jti": .string(jti),
        ])
        return object.serialized()
    }

    /// Parses a claims object: all six members present with the right types, string members non-empty,
    /// `iat <= exp`. Unknown string or integer members are allowed and ignored; anything
    /// `JSONParser.parseFlatObject` rejects (duplicates, other value types) makes the whole object fail.
    init?(json: UnsafeBufferPointer<UInt8>) {
        var sub = "", sid = "", app = "", jti = ""
        var iat: Int64 = 0, exp: Int64 = 0
        var seen: UInt8 = 0
        do {
            try JSONParser.parseFlatObject(json) { key, value in
                // Every claim name has three bytes: pack them into one integer to compare.
                guard key.count == 3 else { return true }
                switch (UInt32(key[0]) << 16 | UInt32(key[1]) << 8 | UInt32(key[2]), value) {
                case (Self.key("sub"), .string(let text)): sub = text; seen |= 1 << 0
                case (Self.key("sid"), .string(let text)): sid = text; seen |= 1 << 1
                case (Self.key("app"), .string(let text)): app = text; seen |= 1 << 2
                case (Self.key("jti"), .string(let text)): jti = text; seen |= 1 << 3
                case (Self.key("iat"), .int(let number)): iat = number; seen |= 1 << 4
                case (Self.key("exp"), .int(let number)): exp = number; seen |= 1 << 5
                case (Self.key("sub"), _), (Self.key("sid"), _), (Self.key("app"), _),
                     (Self.key("jti"), _), (Self.key("iat"), _), (Self.key("exp"), _):
                    return false  // a known claim with the wrong type
                default:
                    break
                }
                return true
            }
        } catch {
            return nil
        }
        guard seen == 0b11_1111, !sub.isEmpty, !sid.isEmpty, !app.isEmpty, !jti.isEmpty, iat <= exp else { return nil }
        self.init(sub: sub, sid: sid, app: app, iat: iat, exp: exp, jti: jti)
    }

    /// A three-letter ASCII name packed as in `init?(json:)`; constant-folded for literals.
    @inline(__always)
    private static func key(_ name: StaticString) -> UInt32 {
        let bytes = name.utf8Start
        return UInt32(bytes[0]) << 16 | UInt32(bytes[1]) << 8 | UInt32(bytes[2])
    }
}
