import AppBaseAudit
import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import AppBaseTestSupport

/// A scratch app database with only the audit namespace, and its log.
struct AuditLogFixture: TestFixture {
    let directory: String
    let database: TestDatabase
    let clock: ManualWallClock
    let log: AuditLog

    /// Runs `body` with a fresh fixture and always closes it.
    static func with(_ body: (AuditLogFixture) async throws -> Void) async throws {
        let directory = try TemporaryDirectory.make(prefix: "audit-log")
        let database: TestDatabase
        do {
            database = try await TestDatabase.open(in: directory, migrations: [AuditLog.migrations])
        } catch {
            TemporaryDirectory.remove(directory)
            throw error
        }
        let clock = ManualWallClock(milliseconds: 1_800_000_000_000)
        let fixture = AuditLogFixture(directory: directory, database: database, clock: clock,
                                      log: AuditLog(writer: database.writer, clock: clock))
        try await fixture.use(body)
    }

    func close() async {
        await database.close()
        TemporaryDirectory.remove(directory)
    }

    /// Appends `count` events (`test.<n>`), each in its own write, at `time`.
    func append(_ count: Int, time: Int64? = nil, action: String = "test") async throws {
        let at = time ?? clock.nowMilliseconds()
        for index in 0..<count {
            let event = AuditEvent(app: "a", time: at, actor: AuditActor(userID: "u\(index)", ip: "127.0.0.1"),
                                   action: "\(action).\(index)", target: "t/\(index)", requestID: "r\(index)",
                                   details: ["n": String(index), "kind": "unit"])
            let log = self.log
            try await database.writer.write { write in try log.append(event, in: write) }
        }
    }

    /// Runs `sql` on a connection of its own, as an outside editor (the `sqlite3` shell) would.
    func tamper(_ sql: String) throws {
        let connection = try SQLiteConnection(path: database.path, mode: .readWrite)
        try connection.execute(sql)
    }

    func verify() async throws -> AuditVerification {
        try await database.readers.read { try AuditVerification.verify($0) }
    }
}
