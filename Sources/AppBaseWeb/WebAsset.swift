/// One embedded file: what `StaticAssetRoutes` needs to answer for it.
public struct WebAsset: Sendable {
    /// The path inside its set (`index.html`, `app.js`).
    public let path: String
    /// The `Content-Type` value (with `charset=utf-8` for text).
    public let contentType: String
    /// A strong ETag, quotes included: the first 16 bytes of the content's SHA-256 in hex,
    /// computed at build time, so it changes exactly when the bytes do.
    public let etag: String
    public let bytes: [UInt8]

    public init(path: String, contentType: String, etag: String, bytes: [UInt8]) {
        self.path = path
        self.contentType = contentType
        self.etag = etag
        self.bytes = bytes
    }
}
