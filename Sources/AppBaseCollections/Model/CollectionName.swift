import AppBaseCore

/// Collection names: `^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`, case-sensitive (the grammar of
/// storage buckets). A valid name never contains a quote, a space or a dot, which is what lets
/// it appear as a string literal in a partial index's `WHERE` (never as an identifier).
enum CollectionName {
    /// Whether `text` is a valid collection name.
    static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, bytes.count <= 63, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// `text` when valid; otherwise 400 `bad_request` naming the grammar.
    static func validated(_ text: String) throws(AppBaseError) -> String {
        guard isValid(text) else {
            throw AppBaseError(status: 400, code: .badRequest,
                               message: "Invalid collection name; use 1–63 of A–Z a–z 0–9 _ - starting with a letter or digit.",
                               details: .object(["field": .string("collection")]))
        }
        return text
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
