import AppBaseCore
import AppBaseTestSupport
import Testing
@testable import AppBasePlatform
#if canImport(Glibc)
import Glibc
#endif

/// Backups through the control plane (start, status, list, download, `lastBackup`, every error)
/// and a restore applied by the running server.
@Suite("Backups through the control plane")
struct BackupRouteTests {
    static func call(_ server: LiveServer, _ method: String, _ path: String, key: String? = nil) async throws -> RawHTTPResponse {
        try await ControlPlaneServerTests.call(server.ports.master, method, path, key: key)
    }

    /// Polls the status route until the backup leaves `running` (bounded: 1200 × 25 ms).
    static func finished(_ server: LiveServer, app: String, id: String) async throws -> RawHTTPResponse {
        for _ in 0..<1200 {
            let status = try await call(server, "GET", "/api/apps/\(app)/backups/\(id)", key: server.masterKey)
            if status.json["state"]?.stringValue != "running" { return status }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw BackupError.io("backup \(id) did not finish")
    }

    /// Writes a record with the app's admin key; its id.
    static func createRecord(_ server: LiveServer, app: String, body: String) async throws -> String {
        let port = try #require(server.ports.apps[app])
        let keys = try #require(server.keys[app])
        let request = RawRequest.make("POST", "/db/collections/notes", headers: [("X-API-Key", keys.admin),
                                                                                   ("Content-Type", "application/json")],
                                      body: Array(body.utf8))
        let response = try await RawHTTPClient.exchange(port: port, pieces: [request], method: "POST")
        #expect(response.status == 201, "\(response.bodyText)")
        return try #require(response.json["id"]?.stringValue)
    }

    static func recordStatus(_ server: LiveServer, app: String, id: String, port: Int? = nil) async throws -> Int {
        let port = try #require(port ?? server.ports.apps[app])
        let keys = try #require(server.keys[app])
        let request = RawRequest.make("GET", "/db/collections/notes/\(id)", headers: [("X-API-Key", keys.admin)])
        return try await RawHTTPClient.exchange(port: port, pieces: [request]).status
    }

    @Test("a backup started through the API runs, is listed, shows as lastBackup and downloads as a verifiable archive")
    func startListDownload() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        defer { TemporaryDirectory.remove(server.dataDirectory) }
        _ = try await Self.createRecord(server, app: "alpha", body: #"{"title":"kept"}"#)

        let started = try await Self.call(server, "POST", "/api/apps/alpha/backups", key: server.masterKey)
        #expect(started.status == 202, "\(started.bodyText)")
        #expect(started.json["state"] == "running")
        let id = try #require(started.json["id"]?.stringValue)
        #expect(started.header("Location") == "/api/apps/alpha/backups/\(id)")

        let done = try await Self.finished(server, app: "alpha", id: id)
        #expect(done.status == 200)
        #expect(done.json["state"] == "done", "\(done.bodyText)")
        #expect(done.json["origin"] == "api")
        let size = try #require(done.json["size"]?.intValue)
        #expect(size > 0)
        #expect(done.json["finishedAt"]?.stringValue != nil)

        let list = try await Self.call(server, "GET", "/api/apps/alpha/backups", key: server.masterKey)
        #expect(list.status == 200)
        #expect(list.json["items"]?.arrayValue?.first?["id"]?.stringValue == id)

        let info = try await Self.call(server, "GET", "/api/apps/alpha", key: server.masterKey)
        #expect(info.json["lastBackup"]?["id"]?.stringValue == id)
        #expect(info.json["lastBackup"]?["state"] == "done")
        let apps = try await Self.call(server, "GET", "/api/apps", key: server.masterKey)
        #expect(apps.json["items"]?.arrayValue?.first?["lastBackup"]?["size"]?.intValue == size)

        let download = try await Self.call(server, "GET", "/api/apps/alpha/backups/\(id)/download", key: server.masterKey)
        #expect(download.status == 200)
        #expect(download.header("Content-Type") == "application/gzip")
        #expect(download.header("Content-Disposition")?.contains("attachment") == true)
        #expect(Int64(download.body.count) == size)
        #expect(download.body.prefix(2) == [0x1F, 0x8B])

        // What was downloaded passes every check a restore makes.
        let copy = server.dataDirectory + "/downloaded.tar.gz"
        let fd = open(copy, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        try #require(fd >= 0)
        _ = download.body.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let unpacked = try BackupUnpacker.unpack(archive: copy, expectedApp: "alpha", into: server.dataDirectory + "/.restore-check")
        #expect(unpacked.manifest.app == "alpha")
        #expect(unpacked.manifest.files.map(\.path) == ["app.sqlite"])
        BackupStaging.remove(unpacked.staging)
        await server.root.shutdown()
    }

    @Test("backup routes answer 401 without a master key, 404 for an unknown app or backup")
    func errors() async throws {
        let server = try await LiveServer.start(apps: ["alpha"])
        defer { TemporaryDirectory.remove(server.dataDirectory) }
        let cases: [(String, String, String?, Int, String)] = [
            ("POST", "/api/apps/alpha/backups", nil, 401, "unauthorized"),
            ("GET", "/api/apps/alpha/backups", nil, 401, "unauthorized"),
            ("GET", "/api/apps/nosuch/backups/x/download", nil, 401, "unauthorized"),
            ("POST", "/api/apps/nosuch/backups", server.masterKey, 404, "not_found"),
            ("GET", "/api/apps/nosuch/backups", server.masterKey, 404, "not_found"),
            ("GET", "/api/apps/alpha/backups/0190c7e2-0000-7000-8000-000000000000", server.masterKey, 404, "not_found"),
            ("GET", "/api/apps/alpha/backups/nosuch/download", server.masterKey, 404, "not_found"),
            ("DELETE", "/api/apps/alpha/backups", server.masterKey, 405, "method_not_allowed"),
        ]
        for (method, path, key, status, code) in cases {
            let response = try await Self.call(server, method, path, key: key)
            #expect(response.status == status, "\(method) \(path): \(response.bodyText)")
            #expect(response.json["error"]?["code"]?.stringValue == code, "\(method) \(path): \(response.bodyText)")
        }
        let empty = try await Self.call(server, "GET", "/api/apps/alpha/backups", key: server.masterKey)
        #expect(empty.bodyText == #"{"items":[]}"#)
        let info = try await Self.call(server, "GET", "/api/apps/alpha", key: server.masterKey)
        #expect(info.json["lastBackup"] == .null)
        await server.root.shutdown()
    }

    @Test("a restore while the server runs stops, swaps and restarts the app; a wrong-app archive changes nothing")
    func restoreThroughServer() async throws {
        let server = try await LiveServer.start(apps: ["alpha", "beta"])
        defer { TemporaryDirectory.remove(server.dataDirectory) }
        let kept = try await Self.createRecord(server, app: "alpha", body: #"{"title":"before"}"#)
        let archive = server.dataDirectory + "/alpha.tar.gz"
        _ = try await AppBackup.create(dataDirectory: server.dataDirectory, app: "alpha", output: archive)
        let later = try await Self.createRecord(server, app: "alpha", body: #"{"title":"after"}"#)

        let other = server.dataDirectory + "/beta.tar.gz"
        _ = try await AppBackup.create(dataDirectory: server.dataDirectory, app: "beta", output: other)
        await #expect(throws: BackupError.wrongApp(archive: "beta", requested: "alpha")) {
            try await AppRestore.restore(dataDirectory: server.dataDirectory, app: "alpha", from: other)
        }
        #expect(try await Self.recordStatus(server, app: "alpha", id: later) == 200, "a refused archive changed nothing")

        let result = try await AppRestore.restore(dataDirectory: server.dataDirectory, app: "alpha", from: archive)
        #expect(result.throughServer)
        #expect(result.replaced?.hasPrefix(".trash/alpha-") == true)
        let status = try #require(await server.root.registry?.status("alpha"))
        #expect(status.state == .running)
        // Port 0 in tests: the restarted app binds a new ephemeral port (a configured one is kept).
        let newPort = try #require(status.port)
        #expect(try await Self.recordStatus(server, app: "alpha", id: kept, port: newPort) == 200)
        #expect(try await Self.recordStatus(server, app: "alpha", id: later, port: newPort) == 404)
        #expect(access(server.dataDirectory + "/" + (result.replaced ?? "missing") + "/app.sqlite", F_OK) == 0,
                "the replaced data is kept in the trash")
        await server.root.shutdown()
    }
}
