import AppBaseCore
@testable import AppBasePlatform
import AppBaseTestSupport
import Testing

/// Uploaded site archives: what is accepted, and every unsafe member refused before anything
/// is written.
@Suite struct SiteArchiveTests {
    /// A zip made with Python's zipfile: `index.html` deflated (300 bytes), `assets/app.css` stored.
    static let zipHex = """
        504b030414000000080000002100c4a030f3140000002c0100000a000000696e6465782e68746d6cb3c930b4abca2c28484db1d107326d46\
        b9b8b900504b03041400000000000984835d597187e206000000060000000e0000006173736574732f6170702e637373626f64797b7d504b\
        0102140314000000080000002100c4a030f3140000002c0100000a0000000000000000000000800100000000696e6465782e68746d6c504b\
        010214031400000000000984835d597187e206000000060000000e000000000000000000000080013c0000006173736574732f6170702e63\
        7373504b05060000000002000200740000006e0000000000
        """

    static var zip: [UInt8] {
        let hex = Array(zipHex.utf8)
        return stride(from: 0, to: hex.count - 1, by: 2).compactMap { UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16) }
    }

    @Test func aTarWithFilesAndDirectoriesIsRead() throws {
        var tar = TarBuilder()
        tar.add("./", type: "5")
        tar.add("./index.html", contents: "<h1>hi</h1>")
        tar.add("assets/", type: "5")
        tar.add("assets/app.js", contents: "console.log(1)")
        let entries = try TarArchive.entries(tar.archive, limits: SiteLimits())
        #expect(entries.map { $0.components.joined(separator: "/") } == ["index.html", "assets", "assets/app.js"])
        #expect(entries[0].contents == Array("<h1>hi</h1>".utf8))
    }

    @Test func aZipWithDeflatedAndStoredMembersIsRead() throws {
        let entries = try ZipArchive.entries(Self.zip, limits: SiteLimits())
        #expect(entries.map { $0.components.joined(separator: "/") } == ["index.html", "assets/app.css"])
        #expect(entries[0].contents == Array(String(repeating: "<h1>zipped</h1>", count: 20).utf8))
        #expect(entries[1].contents == Array("body{}".utf8))
    }

    @Test(arguments: [
        ("../evil.html", Character("0"), "unsafe path"),
        ("/etc/passwd", Character("0"), "unsafe path"),
        ("a/../../evil", Character("0"), "unsafe path"),
        ("a\\b", Character("0"), "unsafe path"),
        ("link", Character("2"), "symbolic link"),
        ("hard", Character("1"), "hard link"),
        ("tty", Character("3"), "character device"),
        ("disk", Character("4"), "block device"),
        ("pipe", Character("6"), "FIFO"),
    ])
    func unsafeTarMembersAreRefused(name: String, type: Character, reason: String) {
        var tar = TarBuilder()
        tar.add("index.html", contents: "ok")
        tar.add(name, type: type, contents: "", linkTarget: "/etc/passwd")
        do {
            _ = try TarArchive.entries(tar.archive, limits: SiteLimits())
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.contains(reason))
            #expect(error.appError.status == 400)
        }
    }

    @Test func limitsOnMembersAndBytesAreEnforced() {
        var tar = TarBuilder()
        for index in 0..<3 { tar.add("f\(index).txt", contents: "0123456789") }
        #expect(throws: SiteArchiveError.tooLarge("more than 2 members")) {
            try TarArchive.entries(tar.archive, limits: SiteLimits(maxEntries: 2))
        }
        #expect(throws: SiteArchiveError.tooLarge("more than 25 bytes unpacked")) {
            try TarArchive.entries(tar.archive, limits: SiteLimits(maxUnpackedBytes: 25))
        }
        #expect(SiteArchiveError.tooLarge("x").appError.status == 413)
    }

    @Test func aCorruptedArchiveIsMalformed() {
        var tar = TarBuilder()
        tar.add("index.html", contents: "ok")
        var bytes = tar.archive
        bytes[0] ^= 0x01
        #expect(throws: SiteArchiveError.malformed("header checksum mismatch")) { try TarArchive.entries(bytes, limits: SiteLimits()) }
        var zip = Self.zip
        zip[60] ^= 0xFF
        #expect(throws: SiteArchiveError.self) { try ZipArchive.entries(zip, limits: SiteLimits()) }
    }
}
