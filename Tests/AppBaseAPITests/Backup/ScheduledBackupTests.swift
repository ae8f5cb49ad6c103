import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Testing
@testable import AppBasePlatform
#if canImport(Glibc)
import Glibc
#endif

/// `[apps.<name>.backup]`: parsing, the app queue's `backup.scheduled` schedule, and what one
/// scheduled run does (archive, catalog, `keep`, the re-run guard).
@Suite("Scheduled backups")
struct ScheduledBackupTests {
    @Test("[apps.x.backup] parses every, keep and dir (relative to the config file); bad values name their key")
    func parsing() throws {
        let text = """
            [apps.a.backup]
            every = "24h"
            keep = 3
            dir = "archives"
            [apps.b]
            """
        let configuration = try ConfigLoader.parse(text, file: "/etc/appbase/appbase.toml")
        #expect(configuration.app(named: "a")?.backup == BackupSchedule(intervalSeconds: 86_400, keep: 3, directory: "/etc/appbase/archives"))
        #expect(configuration.app(named: "b")?.backup == nil)
        let defaults = try ConfigLoader.parse("[apps.a.backup]\nevery = \"90m\"\n", file: "x.toml")
        #expect(defaults.app(named: "a")?.backup == BackupSchedule(intervalSeconds: 5_400, keep: 7, directory: nil))

        let bad: [(String, String)] = [
            ("keep = 2", "apps.a.backup.every"),
            ("every = \"1m\"", "apps.a.backup.every"),
            ("every = \"24\"", "apps.a.backup.every"),
            ("every = \"-3h\"", "apps.a.backup.every"),
            ("every = 86400", "apps.a.backup.every"),
            ("every = \"1h\"\nkeep = 0", "apps.a.backup.keep"),
            ("every = \"1h\"\nretain = 3", "apps.a.backup.retain"),
        ]
        for (body, key) in bad {
            let error = #expect(throws: ConfigError.self, "\(body)") { try ConfigLoader.parse("[apps.a.backup]\n\(body)\n", file: "x.toml") }
            #expect(error?.key == key, "\(body): \(String(describing: error))")
        }
    }

    @Test("an app with [apps.x.backup] declares the backup.scheduled schedule on its queue; others do not")
    func scheduleDeclared() async throws {
        let server = try await LiveServer.start(apps: ["alpha", "beta"]) { configuration in
            configuration.apps[0].backup = BackupSchedule(intervalSeconds: 3_600)
        }
        defer { TemporaryDirectory.remove(server.dataDirectory) }
        func schedules(_ app: String) async throws -> [String] {
            let connection = try SQLiteConnection(path: AppSupervisor.databasePath(dataRoot: server.dataDirectory, app: app), mode: .readOnly)
            return try connection.query("SELECT name FROM job_schedules ORDER BY name") { $0.text(0) }
        }
        #expect(try await schedules("alpha").contains("backup.scheduled"))
        #expect(try await !schedules("beta").contains("backup.scheduled"))
        await server.stop()
    }

    @Test("a scheduled run writes an archive and a catalog row; a re-run within half an interval is skipped; keep deletes the oldest")
    func runsKeepsAndSkips() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        defer { TemporaryDirectory.remove(server.dataDirectory) }
        _ = try await BackupRouteTests.createRecord(server, app: "alpha", body: #"{"title":"kept"}"#)
        let archives = try TemporaryDirectory.make(prefix: "appbase-scheduled")
        defer { TemporaryDirectory.remove(archives) }
        let master = try await MasterDatabase.open(path: "\(server.dataDirectory)/master.sqlite")
        let clock = ManualWallClock()
        let runner = BackupRunner(dataRoot: server.dataDirectory, master: master, clock: clock, logger: LiveServer.silentLogger)
        let schedule = BackupSchedule(intervalSeconds: 3_600, keep: 2, directory: "\(archives)/nested")
        func files() -> [String] { TemporaryDirectory.list("\(archives)/nested").sorted() }
        func scheduled() async throws -> [BackupCatalog.Record] {
            try await BackupCatalog.list(app: "alpha", limit: 100, in: master).filter { $0.origin == "schedule" }
        }

        try await runner.runScheduled(app: "alpha", schedule: schedule)
        let first = files()
        #expect(first.count == 1 && first[0].hasPrefix("alpha-") && first[0].hasSuffix(".tar.gz"))
        #expect(try await scheduled().map(\.state) == [.done])
        #expect(try await scheduled().first?.path == "\(archives)/nested/\(first[0])")

        clock.advance(seconds: 1_000)
        try await runner.runScheduled(app: "alpha", schedule: schedule)
        #expect(files() == first, "a re-run within half an interval makes no second archive")

        for _ in 0..<2 {
            clock.advance(seconds: 3_600)
            try await runner.runScheduled(app: "alpha", schedule: schedule)
        }
        let kept = files()
        #expect(kept.count == 2 && !kept.contains(first[0]), "keep = 2: the oldest archive is gone")
        let rows = try await scheduled()
        #expect(rows.count == 2 && Set(rows.compactMap { $0.path.map { String($0.split(separator: "/").last ?? "") } }) == Set(kept))

        let info = try await BackupRouteTests.call(server, "GET", "/api/apps/alpha", key: server.masterKey)
        #expect(info.json["lastBackup"]?["origin"] == "schedule")
        #expect(info.json["lastBackup"]?["state"] == "done")
        await master.close()
        await server.stop()
    }
}
