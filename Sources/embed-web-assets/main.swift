import Foundation

// embed-web-assets ASSETS_FOLDER OUTPUT_SWIFT_FILE
//
// Writes one Swift file declaring `EmbeddedWebAssets.<set>` for each sub-folder of ASSETS_FOLDER:
// an array of (path, contentType, etag, base64url) entries. The bytes travel as base64url text
// because a long string literal compiles in no time while a long `[UInt8]` literal does not.
// The ETag is a strong validator: the first 16 bytes of the content's SHA-256, in hex.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: embed-web-assets ASSETS_FOLDER OUTPUT_SWIFT_FILE\n".utf8))
    exit(2)
}
do {
    let sets = try AssetCatalog.read(URL(fileURLWithPath: arguments[1], isDirectory: true))
    let source = SwiftSourceWriter.source(for: sets)
    let output = URL(fileURLWithPath: arguments[2])
    // Unchanged output keeps its timestamp, so the module is not recompiled for nothing.
    if (try? Data(contentsOf: output)) != Data(source.utf8) {
        try Data(source.utf8).write(to: output, options: .atomic)
    }
} catch {
    FileHandle.standardError.write(Data("embed-web-assets: error: \(error)\n".utf8))
    exit(1)
}
