import AppBaseCore

/// A parsed header value of the form `value *( ";" name "=" (token / quoted-string) )`,
/// as used by `Content-Type` and `Content-Disposition` (RFC 9110 §5.6.6, RFC 6266).
///
/// Parsing is byte-oriented and never allocates per byte beyond the resulting strings.
/// Choices:
/// - Parameter names are lowercased (they are case-insensitive); values are kept as sent.
/// - Whitespace is allowed around `;` and `=`; empty parameters (`;;`, a trailing `;`) are skipped.
/// - In a quoted string, `\"` and `\\` are unescaped; any other backslash is kept literally,
///   because browsers send Windows paths such as `C:\dir\a.txt` unescaped.
/// - A parameter without `=`, an unterminated quoted string, a control character (other than
///   horizontal tab) or text after a closing quote makes the whole value malformed (`nil`).
package struct HeaderParameters: Sendable, Equatable {
    /// One `name=value` parameter.
    package struct Parameter: Sendable, Equatable {
        /// The parameter name, lowercased.
        package var name: String
        /// The parameter value, unquoted and unescaped.
        package var value: String
    }

    /// The leading value (e.g. `form-data` or `multipart/form-data`), trimmed, case preserved.
    package var value: String
    /// The parameters in the order they appeared.
    package var parameters: [Parameter]

    /// Returns the value of the first parameter named `name` (lowercase), or `nil`.
    package subscript(name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// Whether some parameter name occurs more than once (ambiguous, so callers reject it).
    package var hasDuplicateNames: Bool {
        var seen: Set<String> = []
        return !parameters.allSatisfy { seen.insert($0.name).inserted }
    }

    /// Parses `text`; returns `nil` if it is malformed.
    package static func parse(_ text: String) -> HeaderParameters? {
        let bytes = Array(text.utf8)
        if bytes.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) { return nil }
        var index = 0
        let end = bytes.count
        while index < end, bytes[index] != UInt8(ascii: ";") { index += 1 }
        let value = string(trimming: bytes[0..<index])
        var parameters: [Parameter] = []
        while index < end {
            index += 1  // skip ";"
            skipWhitespace(bytes, &index)
            if index == end || bytes[index] == UInt8(ascii: ";") { continue }
            let nameStart = index
            while index < end, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ";") { index += 1 }
            guard index < end, bytes[index] == UInt8(ascii: "=") else { return nil }
            let name = string(trimming: bytes[nameStart..<index]).lowercased()
            guard !name.isEmpty, !name.utf8.contains(where: ASCII.isSpaceOrTab) else { return nil }
            index += 1  // skip "="
            skipWhitespace(bytes, &index)
            let parameterValue: String
            if index < end, bytes[index] == UInt8(ascii: "\"") {
                guard let (quoted, next) = parseQuoted(bytes, from: index + 1) else { return nil }
                parameterValue = quoted
                index = next
                skipWhitespace(bytes, &index)
                guard index == end || bytes[index] == UInt8(ascii: ";") else { return nil }
            } else {
                let valueStart = index
                while index < end, bytes[index] != UInt8(ascii: ";") { index += 1 }
                parameterValue = string(trimming: bytes[valueStart..<index])
            }
            parameters.append(Parameter(name: name, value: parameterValue))
        }
        return HeaderParameters(value: value, parameters: parameters)
    }

    /// Parses a quoted string whose opening quote precedes `start`; returns the unescaped
    /// text and the offset just past the closing quote, or `nil` if it is unterminated.
    private static func parseQuoted(_ bytes: [UInt8], from start: Int) -> (String, Int)? {
        var out: [UInt8] = []
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                return (String(decoding: out, as: UTF8.self), index + 1)
            }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count,
                bytes[index + 1] == UInt8(ascii: "\"") || bytes[index + 1] == UInt8(ascii: "\\")
            {
                out.append(bytes[index + 1])
                index += 2
            } else {
                out.append(byte)
                index += 1
            }
        }
        return nil
    }


    /// Advances `index` past SP/HTAB.
    private static func skipWhitespace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, ASCII.isSpaceOrTab(bytes[index]) { index += 1 }
    }

    /// The slice without surrounding SP/HTAB, as a string.
    private static func string(trimming slice: ArraySlice<UInt8>) -> String {
        String(decoding: slice.trimmingASCIISpaces(), as: UTF8.self)
    }
}
