import Foundation
import PackagePlugin

/// Runs `embed-web-assets` over the target's `Assets/` folder and adds the generated Swift file
/// (`EmbeddedWebAssets.swift`, one table per sub-folder) to the target's sources.
///
/// Every asset file is a declared input, so editing, adding or removing one re-runs the tool;
/// the plugin itself runs on every build, which is how new files are picked up.
@main
struct EmbedWebAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let assets = target.directoryURL.appending(path: "Assets", directoryHint: .isDirectory)
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedWebAssets.swift")
        return [
            .buildCommand(
                displayName: "Embedding web assets of \(target.name)",
                executable: try context.tool(named: "embed-web-assets").url,
                arguments: [assets.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: try Self.files(under: assets),
                outputFiles: [output]
            ),
        ]
    }

    /// Every regular, non-hidden file below `folder`, sorted (none when it does not exist).
    static func files(under folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var files: [URL] = []
        for case let url as URL in walker where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }
}
