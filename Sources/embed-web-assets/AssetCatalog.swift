import Foundation

/// One file to embed: its path inside its set (`/`-separated), media type and bytes.
struct AssetFile {
    let path: String
    let contentType: String
    let bytes: [UInt8]
}

/// Reads an `Assets/` folder: each sub-folder is one asset set (`control`, later `dashboard`),
/// each regular non-hidden file below it one asset.
enum AssetCatalog {
    /// Media types by extension. A file with any other extension fails the build: serving it
    /// as `application/octet-stream` under `nosniff` would break the page silently.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "json": "application/json",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "txt": "text/plain; charset=utf-8",
        "woff2": "font/woff2",
        // TypeScript declarations (the SDK's appbase.d.ts); no registered type exists.
        "ts": "application/typescript; charset=utf-8",
    ]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The sets in `folder`, by name, each with its files sorted by path (a stable output).
    static func read(_ folder: URL) throws -> [(name: String, files: [AssetFile])] {
        let manager = FileManager.default
        guard manager.fileExists(atPath: folder.path) else { return [] }
        let names = try manager.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.compactMap { name in
            var isDirectory: ObjCBool = false
            let setFolder = folder.appendingPathComponent(name, isDirectory: true)
            guard manager.fileExists(atPath: setFolder.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
            try requireIdentifier(name)
            return (name, try files(in: setFolder))
        }
    }

    private static func files(in folder: URL) throws -> [AssetFile] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else { return [] }
        let root = folder.standardizedFileURL.path + "/"
        var files: [AssetFile] = []
        for case let url as URL in walker where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(root) else { throw Failure(description: "\(full) is outside \(root)") }
            let path = String(full.dropFirst(root.count))
            try requireSafePath(path)
            let ext = url.pathExtension.lowercased()
            guard let type = contentTypes[ext] else {
                throw Failure(description: "\(full): no media type for .\(ext) (add it to AssetCatalog.contentTypes)")
            }
            files.append(AssetFile(path: path, contentType: type, bytes: Array(try Data(contentsOf: url))))
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Paths become URL paths and Swift string literals: letters, digits, `. _ - /` only.
    private static func requireSafePath(_ path: String) throws {
        let allowed = path.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-/".unicodeScalars.contains(scalar))
        }
        guard allowed, !path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else {
            throw Failure(description: "asset path \(path) may only use letters, digits, . _ - / (and no hidden parts)")
        }
    }

    /// A set's folder name becomes a Swift identifier.
    private static func requireIdentifier(_ name: String) throws {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        else { throw Failure(description: "asset set folder \(name) must be a Swift identifier (letters and digits)") }
    }
}
