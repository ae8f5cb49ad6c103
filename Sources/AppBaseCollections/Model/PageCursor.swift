import AppBaseCore
import AppBaseQuery

/// The opaque `nextCursor`: base64url of the compact JSON array
/// `[<fingerprint>, <id>, <sort value>…]`, where the fingerprint binds it to the collection,
/// filter and sort that produced it (`QueryFingerprint`). Values are bound as parameters when
/// the cursor is used, so a forged cursor can only move the page, never change the query.
enum PageCursor {
    /// Longest cursor accepted (sort values are bounded only by record contents).
    static let maxLength = 8192

    static func encode(_ cursor: SortCursor, fingerprint: String) -> String {
        var elements: [JSONValue] = [.string(fingerprint), .string(cursor.id)]
        for value in cursor.values {
            switch value {
            case .null: elements.append(.null)
            case .int(let integer): elements.append(.int(integer))
            case .double(let double): elements.append(.double(double))
            case .text(let text): elements.append(.string(text))
            }
        }
        return Base64URL.encode(JSONValue.array(elements).serialized())
    }

    /// The position encoded in `text`, checked against the query's fingerprint and key count.
    /// - Throws: 400 `invalid_cursor`.
    static func decode(_ text: String, fingerprint: String, keyCount: Int) throws(AppBaseError) -> SortCursor {
        guard text.utf8.count <= maxLength, let bytes = Base64URL.decode(text),
              case .array(let elements)? = try? JSONParser.parse(bytes, maxDepth: 2),
              elements.count == keyCount + 2, elements[0].stringValue == fingerprint,
              let id = elements[1].stringValue
        else {
            throw AppBaseError(status: 400, code: .invalidCursor,
                               message: "The cursor is malformed or belongs to a different filter or sort.")
        }
        var values: [SQLValue] = []
        for element in elements.dropFirst(2) {
            switch element {
            case .null: values.append(.null)
            case .int(let integer): values.append(.int(integer))
            case .double(let double): values.append(.double(double))
            case .string(let string): values.append(.text(string))
            default:
                throw AppBaseError(status: 400, code: .invalidCursor, message: "The cursor is malformed.")
            }
        }
        return SortCursor(values: values, id: id)
    }
}
