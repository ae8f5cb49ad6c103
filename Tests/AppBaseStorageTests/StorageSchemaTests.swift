import AppBaseSQLite
import AppBaseTestSupport
import Testing
@testable import AppBaseStorage

@Suite("Storage schema")
struct StorageSchemaTests {
    @Test("erasing a user finds their files through the owner index, not a scan of every file")
    func filesByOwnerUseTheIndex() async throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-storage-schema")
        defer { TemporaryDirectory.remove(directory) }
        let database = try await TestDatabase.open(in: directory, migrations: [StorageService.migrations])
        let plan = try await database.readers.read { connection in
            try connection.query("EXPLAIN QUERY PLAN SELECT id, bucket FROM storage_files WHERE owner_id = ? LIMIT ?",
                                 [.text("u1"), .integer(100)]) { $0.text(3) }
        }.joined(separator: " | ")
        #expect(plan.contains("USING INDEX storage_files_by_owner"), "\(plan)")
        await database.close()
    }
}
