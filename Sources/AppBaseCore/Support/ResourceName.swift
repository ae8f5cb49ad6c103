import OrderedCollections
/// The one grammar for names that clients choose for collections and buckets:
/// `^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`, case-sensitive (docs/API-SPEC.md).
///
/// A valid name never contains a quote, a space, a dot, a slash or NUL, which is what lets a
/// collection name appear as a string literal in a partial index's `WHERE` and lets every
/// traversal attempt on a bucket (`..`, `/`, odd Unicode) be refused before any lookup.
public enum ResourceName {
    /// The longest valid name, in bytes.
    public static let maxLength = 63

    /// Whether `text` is a valid name.
    public static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, bytes.count <= maxLength, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// `text` when it is a valid collection name; otherwise 400 `bad_request` naming the grammar
    /// and the field `collection`.
    public static func validatedCollection(_ text: String) throws(AppBaseError) -> String {
        guard isValid(text) else {
            throw AppBaseError(status: 400, code: .badRequest,
                               message: "Invalid collection name; use 1–63 of A–Z a–z 0–9 _ - starting with a letter or digit.",
                               details: .object(["field": .string("collection")]))
        }
        return text
    }

    /// `text` when it is a valid bucket name; otherwise 400 `validation_failed` naming the field `bucket`.
    public static func validatedBucket(_ text: String) throws(AppBaseError) -> String {
        guard isValid(text) else {
            throw AppBaseError.validation("Bucket names are 1-63 characters of A-Z, a-z, 0-9, '_' and '-', "
                + "starting with a letter or digit.", field: "bucket")
        }
        return text
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
