/// Groups media types that share a magic-number signature, so that declared types can be
/// compared with what `ContentSniffer` detects (aliases such as `image/jpg`, container
/// formats such as `.docx` being ZIP, and so on).
package enum MediaTypeFamily: Sendable, Equatable {
    case png, jpeg, gif, webp, bmp, icon, tiff, avif, heif
    case pdf, zip, gzip
    case mpegAudio, aac, isoMedia, matroska, ogg, wav, flac, avi
    case html, svg, xml

    /// The family of a media type essence (lowercase `type/subtype`, no parameters), or
    /// `nil` for a type without a known signature.
    package init?(essence: String) {
        switch essence {
        case "image/png", "image/apng": self = .png
        case "image/jpeg", "image/jpg", "image/pjpeg": self = .jpeg
        case "image/gif": self = .gif
        case "image/webp": self = .webp
        case "image/bmp", "image/x-bmp", "image/x-ms-bmp": self = .bmp
        case "image/x-icon", "image/vnd.microsoft.icon", "image/ico", "image/icon": self = .icon
        case "image/tiff": self = .tiff
        case "image/avif", "image/avif-sequence": self = .avif
        case "image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence": self = .heif
        case "application/pdf", "application/x-pdf": self = .pdf
        case "application/zip", "application/x-zip-compressed", "application/x-zip", "application/java-archive",
            "application/vnd.android.package-archive":
            self = .zip
        case "application/gzip", "application/x-gzip", "application/x-tgz", "application/x-compressed-tar": self = .gzip
        case "audio/mpeg", "audio/mp3", "audio/x-mp3", "audio/x-mpeg", "audio/mpeg3", "audio/mpa": self = .mpegAudio
        case "audio/aac", "audio/x-aac", "audio/aacp": self = .aac
        case "video/mp4", "audio/mp4", "application/mp4", "audio/x-m4a", "audio/m4a", "video/x-m4v", "video/quicktime",
            "video/3gpp", "video/3gpp2", "audio/3gpp", "audio/3gpp2":
            self = .isoMedia
        case "video/webm", "audio/webm", "video/x-matroska", "audio/x-matroska", "video/matroska", "audio/matroska":
            self = .matroska
        case "audio/ogg", "video/ogg", "application/ogg", "audio/opus", "audio/vorbis": self = .ogg
        case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/x-pn-wav": self = .wav
        case "audio/flac", "audio/x-flac": self = .flac
        case "video/x-msvideo", "video/avi", "video/msvideo": self = .avi
        case "text/html", "application/xhtml+xml": self = .html
        case "image/svg+xml": self = .svg
        case "application/xml", "text/xml": self = .xml
        default:
            if essence.hasSuffix("+zip") || essence.hasPrefix("application/vnd.openxmlformats-officedocument.")
                || essence.hasPrefix("application/vnd.oasis.opendocument.")
                || (essence.hasPrefix("application/vnd.ms-") && essence.hasSuffix(".macroenabled.12"))
            {
                self = .zip
            } else if essence.hasSuffix("+xml") {
                self = .xml
            } else {
                return nil
            }
        }
    }

    /// Whether every valid file of this family starts with a signature `ContentSniffer`
    /// detects, so bytes without it cannot be of this family. Families whose files may begin
    /// otherwise (MP3 with junk or padding, QuickTime starting with a `moov`/`mdat` atom,
    /// markup with comments or text first) are not.
    package var requiresMagic: Bool {
        switch self {
        case .png, .jpeg, .gif, .webp, .bmp, .icon, .tiff, .avif, .heif, .pdf, .zip, .gzip, .matroska, .ogg, .wav,
            .flac, .avi:
            true
        case .mpegAudio, .aac, .isoMedia, .html, .svg, .xml:
            false
        }
    }

    /// Whether the family is markup a browser may render actively (scripts, navigation).
    package var isMarkup: Bool {
        self == .html || self == .svg || self == .xml
    }

    /// Whether content sniffed as `sniffed` is acceptable for a declared type of this family.
    ///
    /// Beyond equality: AAC is often stored in MP4 (`.m4a`) or preceded by an ID3 tag; SVG is
    /// XML (and its `<svg>` may lie beyond the sniffed prefix); XHTML starts with `<?xml`.
    package func accepts(sniffed: MediaTypeFamily) -> Bool {
        switch (self, sniffed) {
        case _ where self == sniffed: true
        case (.aac, .isoMedia), (.aac, .mpegAudio): true
        case (.svg, .xml), (.xml, .svg), (.html, .xml): true
        default: false
        }
    }
}
