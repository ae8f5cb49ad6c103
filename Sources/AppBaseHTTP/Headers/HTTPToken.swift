/// RFC 9110 token characters (header names, methods, media types, parameter names).
public enum HTTPToken {
    /// RFC 9110 `tchar`.
    public static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case 33, 35...39, 42, 43, 45, 46, 94...96, 124, 126:  // ! # $ % & ' * + - . ^ _ ` | ~
            return true
        default:
            return false
        }
    }
}
