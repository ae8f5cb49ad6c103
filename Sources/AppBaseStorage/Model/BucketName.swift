import AppBaseCore

/// Bucket names: `^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`, the collections' grammar. A name is only
/// ever a database key (never part of a path), but it is validated before any lookup so every
/// traversal attempt (`..`, `/`, NUL, odd Unicode) is refused at the door.
enum BucketName {
    static let maxLength = 63

    static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= maxLength, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// The name, or 400 `validation_failed` naming the field.
    static func validated(_ name: String) throws(AppBaseError) -> String {
        guard isValid(name) else {
            throw AppBaseError.validation("Bucket names are 1-63 characters of A-Z, a-z, 0-9, '_' and '-', "
                + "starting with a letter or digit.", field: "bucket")
        }
        return name
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }
}
