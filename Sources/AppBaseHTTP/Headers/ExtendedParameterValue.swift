import AppBaseCore
/// RFC 5987 / RFC 8187 extended parameter values: `charset "'" [language] "'" value-chars`,
/// as in `filename*=UTF-8''na%C3%AFve%20file.txt`.
package enum ExtendedParameterValue {
    /// Decodes an extended value; returns `nil` if it is malformed.
    ///
    /// The charset is case-insensitive and must be `UTF-8` or `ISO-8859-1` (the two RFC 5987
    /// requires); the language tag is ignored. Literal characters must be visible ASCII other
    /// than `%`; every `%` must start a two-digit hex escape; UTF-8 results must be valid.
    package static func decode(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let firstQuote = bytes.firstIndex(of: UInt8(ascii: "'")),
            let secondQuote = bytes[(firstQuote + 1)...].firstIndex(of: UInt8(ascii: "'"))
        else { return nil }
        let charset = String(decoding: bytes[..<firstQuote], as: UTF8.self).lowercased()
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count - secondQuote)
        var index = secondQuote + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = ASCII.hexValue(bytes[index + 1]), let low = ASCII.hexValue(bytes[index + 2])
                else { return nil }
                decoded.append(high << 4 | low)
                index += 3
            } else {
                guard byte > 0x20, byte < 0x7F else { return nil }
                decoded.append(byte)
                index += 1
            }
        }
        switch charset {
        case "utf-8":
            return String(validating: decoded, as: UTF8.self)
        case "iso-8859-1":
            var result = ""
            result.unicodeScalars.append(contentsOf: decoded.map { Unicode.Scalar($0) })
            return result
        default:
            return nil
        }
    }

    /// Percent-encodes the UTF-8 bytes of `text` that are not RFC 5987 `attr-char`s, with
    /// uppercase hex digits. The result is only the value part: prefix it with `UTF-8''`.
    package static func encode(_ text: String) -> String {
        QueryString.percentEncode(text, keeping: isAttrChar)
    }

    /// RFC 5987 `attr-char`: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~".
    package static func isAttrChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "+"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
            UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
