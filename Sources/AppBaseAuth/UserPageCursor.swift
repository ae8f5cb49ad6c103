import AppBaseCore

/// The position after the last user of a `GET /admin/users` page: an id (creation order) or an
/// email (prefix search, email order). Sent as base64url of `i:<id>` or `e:<email>`; opaque to clients.
enum UserPageCursor: Sendable, Hashable {
    case id(String)
    case email(String)

    /// 400 `bad_request`: the cursor is not one this route made (or belongs to the other order).
    static let invalid = AppBaseError.badRequest("The cursor is not valid; start again without it.")

    /// Longest accepted cursor text: a prefix and a 254-byte email, base64url-encoded.
    static let maximumEncodedLength = 400

    var encoded: String {
        switch self {
        case .id(let id): return Base64URL.encode(Array("i:\(id)".utf8))
        case .email(let email): return Base64URL.encode(Array("e:\(email)".utf8))
        }
    }

    /// - Throws: `invalid`.
    init(decoding text: String) throws(AppBaseError) {
        guard text.utf8.count <= Self.maximumEncodedLength, let bytes = Base64URL.decode(text), bytes.count > 2,
              bytes[1] == UInt8(ascii: ":"), let value = String(validating: bytes[2...], as: UTF8.self) else { throw Self.invalid }
        switch bytes[0] {
        case UInt8(ascii: "i"): self = .id(value)
        case UInt8(ascii: "e"): self = .email(value)
        default: throw Self.invalid
        }
    }
}
