/// Builds a safe `Content-Disposition` response header (RFC 6266) for a stored file.
///
/// The client-supplied name is untrusted, so it is sanitised twice:
/// - `filename="…"`, the ASCII fallback for old clients: `/` is removed, and `"`, `\`,
///   control characters and every non-ASCII character (one `_` per user-perceived
///   character, so an emoji becomes a single `_`) are replaced by `_`.
/// - `filename*=UTF-8''…` (RFC 5987/8187), which modern browsers prefer: the same name with
///   `/` removed and `\` and control characters replaced by `_`, then every byte outside
///   the RFC 5987 `attr-char` set percent-encoded, so it cannot break out of the header.
/// Leading and trailing whitespace is trimmed; if nothing is left, no file name is sent.
public struct ContentDisposition: Sendable, Equatable {
    /// Whether the browser should display the file or download it.
    public enum Disposition: String, Sendable {
        /// Render in the browser (only for types where that is safe: see `isInlineSafe`).
        case inline
        /// Download ("Save as").
        case attachment
    }

    /// The disposition type.
    public var disposition: Disposition
    /// The client's original file name (unsanitised), if any.
    public var filename: String?

    /// Creates a disposition; `filename` is sanitised when the header value is built.
    public init(_ disposition: Disposition, filename: String? = nil) {
        self.disposition = disposition
        self.filename = filename
    }

    /// `inline` if `contentType` is inline-safe, else `attachment`.
    public init(contentType: String, filename: String? = nil) {
        self.init(Self.isInlineSafe(contentType: contentType) ? .inline : .attachment, filename: filename)
    }

    /// The header value, e.g. `attachment; filename="a_b.pdf"; filename*=UTF-8''a%E2%9C%93b.pdf`.
    public var headerValue: String {
        guard let filename else { return disposition.rawValue }
        let cleaned = Self.clean(filename)
        guard !cleaned.isEmpty else { return disposition.rawValue }
        return "\(disposition.rawValue); filename=\"\(Self.asciiFallback(cleaned))\"; filename*=UTF-8''"
            + ExtendedParameterValue.encode(cleaned)
    }

    /// Whether a browser may safely render content of this type inline on our origin:
    /// raster images (PNG, JPEG, GIF, WebP, BMP, AVIF, ICO), PDF, `audio/*`, `video/*` and
    /// `text/plain`. Everything else — HTML, SVG (it runs scripts), XML, JavaScript, JSON,
    /// unknown types, `application/octet-stream` — must be an attachment. Parameters and
    /// case are ignored (`Text/Plain; charset=utf-8` is inline).
    public static func isInlineSafe(contentType: String) -> Bool {
        let essence = MediaType.essence(contentType)
        switch essence {
        case "image/png", "image/jpeg", "image/pjpeg", "image/gif", "image/webp", "image/bmp", "image/avif",
            "image/x-icon", "image/vnd.microsoft.icon", "application/pdf", "text/plain":
            return true
        default:
            let parts = essence.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[1].isEmpty else { return false }
            return parts[0] == "audio" || parts[0] == "video"
        }
    }

    /// Removes `/`, replaces `\` and control characters with `_`, trims whitespace.
    static func clean(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in name.unicodeScalars where scalar != "/" {
            let isControl = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            scalars.append(scalar == "\\" || isControl ? "_" : scalar)
        }
        var result = Substring(String(scalars))
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return String(result)
    }

    /// Replaces `"`, `\`, control and non-ASCII characters with `_` (one per character).
    static func asciiFallback(_ name: String) -> String {
        var result = ""
        for character in name {
            let isSafeASCII =
                character.unicodeScalars.count == 1
                && character.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
            result.append(isSafeASCII ? character : "_")
        }
        return result
    }
}
