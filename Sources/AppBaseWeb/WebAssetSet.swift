import AppBaseCore

/// The files of one `Assets/<name>/` folder, looked up by path. Decoded once, when first used.
public struct WebAssetSet: Sendable {
    public let name: String
    private let assets: [String: WebAsset]

    public init(name: String, assets: [WebAsset]) {
        self.name = name
        self.assets = Dictionary(assets.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// From the generated table; an entry whose text does not decode is a build bug, so it
    /// stops the process at start-up rather than serving a broken page.
    init(name: String, embedded: [(path: String, contentType: String, etag: String, base64: String)]) {
        self.init(name: name, assets: embedded.map { entry in
            guard let bytes = Base64URL.decode(entry.base64) else {
                preconditionFailure("embedded asset \(name)/\(entry.path) is not valid base64url")
            }
            return WebAsset(path: entry.path, contentType: entry.contentType, etag: entry.etag, bytes: bytes)
        })
    }

    /// The asset at `path` (no leading slash), or nil.
    public subscript(path: String) -> WebAsset? { assets[path] }

    /// Every path, sorted.
    public var paths: [String] { assets.keys.sorted() }
}
