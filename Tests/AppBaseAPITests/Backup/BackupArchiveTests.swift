import AppBaseCore
import AppBaseTestSupport
import Testing
@testable import AppBasePlatform
#if canImport(Glibc)
import Glibc
#endif

/// The archive format on its own: what the writer writes the reader reads back with the same
/// sums, the tar headers it writes parse with the site-archive reader (one format, one parser),
/// and a snapshot holds exactly the blobs the database names.
@Suite("Backup archive format")
struct BackupArchiveTests {
    @Test("a written archive reads back member by member with matching SHA-256 sums")
    func roundTrip() throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-archive")
        defer { TemporaryDirectory.remove(directory) }
        let source = directory + "/source.bin"
        let bytes = (0..<(3 * BackupArchiveWriter.chunkSize + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let fd = open(source, O_WRONLY | O_CREAT, 0o600)
        try #require(fd >= 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)

        let writer = try BackupArchiveWriter(path: directory + "/a.tar.gz")
        try writer.add(name: "appbase-backup.json", bytes: Array(#"{"format":1}"#.utf8), modifiedAt: 1)
        let entry = try writer.addFile(name: "storage/blobs/x", from: source, modifiedAt: 1)
        try writer.finish()
        #expect(entry.size == Int64(bytes.count))
        #expect(entry.sha256.count == 64)

        let reader = try BackupArchiveReader(path: directory + "/a.tar.gz")
        let first = try #require(try reader.nextHeader())
        #expect(first.name == "appbase-backup.json")
        #expect(try reader.readContents(of: first) == Array(#"{"format":1}"#.utf8))
        let second = try #require(try reader.nextHeader())
        #expect(second.name == "storage/blobs/x" && second.size == bytes.count)
        #expect(try reader.extract(second, to: directory + "/copy.bin") == entry.sha256)
        #expect(try reader.nextHeader() == nil)
        try reader.verifyTrailer()
    }

    @Test("the headers the backup writer makes parse with the site-archive reader")
    func sharedHeaderFormat() throws {
        var tar = try TarHeader.encodeFile(name: "docs/readme.txt", size: 5, modifiedAt: 1_700_000_000)
        tar += Array("hello".utf8) + [UInt8](repeating: 0, count: TarHeader.padding(after: 5))
        tar += [UInt8](repeating: 0, count: 2 * TarHeader.blockSize)
        let entries = try TarArchive.entries(tar, limits: SiteLimits())
        #expect(entries == [SiteArchiveEntry(components: ["docs", "readme.txt"], kind: .file, contents: Array("hello".utf8))])
        #expect(throws: TarFormatError.self) { try TarHeader.encodeFile(name: String(repeating: "n", count: 101), size: 1, modifiedAt: 0) }
    }

    @Test("a file that is not gzip, an empty file and a missing file are refused with their reason")
    func notAnArchive() throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-archive")
        defer { TemporaryDirectory.remove(directory) }
        let plain = directory + "/plain.tar"
        let fd = open(plain, O_WRONLY | O_CREAT, 0o600)
        _ = [UInt8](repeating: 0, count: 1024).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        #expect(throws: BackupError.corrupt("not a gzip file")) { try BackupArchiveReader(path: plain) }
        close(open(directory + "/empty", O_WRONLY | O_CREAT, 0o600))
        #expect(throws: BackupError.truncated("the file is empty")) { try BackupArchiveReader(path: directory + "/empty") }
        #expect(throws: BackupError.self) { try BackupArchiveReader(path: directory + "/missing") }
    }
}
