import AppBaseCore
import AppBasePlatform
import AppBaseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The data directory is this user's alone: a fresh tree is `0700`/`0600` throughout (databases,
/// WAL, SHM, blobs, upload temp files), a looser tree from an older version is tightened at
/// start-up, and a directory another user can write is refused.
///
/// The tests do not set a umask: the modes must come from how each file is created.
@Suite("Data directory permissions")
struct DataDirectoryPermissionTests {
    @Test("a fresh data directory, its databases, WAL, SHM, blobs and temp files are owner-only")
    func freshTreeIsOwnerOnly() async throws {
        let scratch = try TemporaryDirectory.make(prefix: "appbase-modes")
        defer { TemporaryDirectory.remove(scratch) }
        // Not yet existing, so the server (through the CLI's key path) creates it.
        let data = scratch + "/data"
        let keys = try await LiveServer.makeKeys(dataDirectory: data, app: "alpha")
        let root = RootSupervisor(configuration: LiveServer.configuration(apps: ["alpha"]), dataDirectory: data,
                                  logger: LiveServer.silentLogger)
        let ports = try await root.start()
        do {
            let port = try #require(ports.apps["alpha"])
            let storage = data + "/alpha/storage"
            let upload = RawRequest.make("POST", "/storage/buckets/docs/upload?name=a.txt",
                                         headers: [("X-API-Key", keys.admin), ("Content-Type", "text/plain")],
                                         body: Array("hello".utf8))
            let uploaded = try await RawHTTPClient.exchange(port: port, pieces: [upload], method: "POST")
            #expect(uploaded.status == 201, "\(uploaded.bodyText)")
            let blobs = TemporaryDirectory.list(storage + "/blobs")
            #expect(blobs.count == 1)

            // An upload in progress: its temp file exists while the body is still arriving.
            let temporaryMode = try await modeOfTemporaryFileDuringUpload(port: port, adminKey: keys.admin,
                                                                          directory: storage + "/tmp")
            #expect(temporaryMode == 0o600)

            for file in ["master.sqlite", "master.sqlite-wal", "master.sqlite-shm", ".lock", "appbase.sock",
                         "alpha/app.sqlite", "alpha/app.sqlite-wal", "alpha/app.sqlite-shm"] {
                #expect(permissions(data + "/" + file) == 0o600, "\(file)")
            }
            for directory in ["", "/alpha", "/alpha/storage", "/alpha/storage/blobs", "/alpha/storage/tmp"] {
                #expect(permissions(data + directory) == 0o700, "\(directory)")
            }
            let loose = looseEntries(under: data)
            #expect(loose.isEmpty, "not owner-only: \(loose)")
        } catch {
            await root.shutdown()
            throw error
        }
        await root.shutdown()
    }

    @Test("a tree made 0755/0644 by an older version is tightened at start-up")
    func olderTreeIsTightened() async throws {
        let scratch = try TemporaryDirectory.make(prefix: "appbase-modes")
        defer { TemporaryDirectory.remove(scratch) }
        let data = scratch + "/data"
        _ = try await LiveServer.makeKeys(dataDirectory: data, app: "alpha")
        let first = RootSupervisor(configuration: LiveServer.configuration(apps: ["alpha"]), dataDirectory: data,
                                   logger: LiveServer.silentLogger)
        _ = try await first.start()
        await first.shutdown()
        // What an older version left: directories 0755, files 0644 (blobs were already 0600).
        let loosened = loosen(data)
        #expect(loosened.files >= 3 && loosened.directories >= 5, "loosened \(loosened)")
        // The report the start-up log line is made of counts exactly what was loosened.
        let report = try DataDirectory.tightenPermissions(under: data)
        #expect(report.directories == loosened.directories && report.files == loosened.files, "\(report) vs \(loosened)")
        #expect(looseEntries(under: data).isEmpty)

        _ = loosen(data)
        let again = RootSupervisor(configuration: LiveServer.configuration(apps: ["alpha"]), dataDirectory: data,
                                   logger: LiveServer.silentLogger)
        let ports = try await again.start()
        #expect(ports.apps["alpha"] != nil)
        let loose = looseEntries(under: data)
        await again.shutdown()
        #expect(loose.isEmpty, "still loose after start-up: \(loose)")
        #expect(permissions(data) == 0o700)
        #expect(permissions(data + "/master.sqlite") == 0o600)
        #expect(permissions(data + "/alpha/app.sqlite") == 0o600)
    }

    @Test("a group-writable data directory is refused, before anything is created in it")
    func groupWritableDirectoryIsRefused() async throws {
        let scratch = try TemporaryDirectory.make(prefix: "appbase-modes")
        defer { TemporaryDirectory.remove(scratch) }
        let data = scratch + "/data"
        #expect(mkdir(data, 0o700) == 0)
        #expect(chmod(data, 0o770) == 0)
        let root = RootSupervisor(configuration: LiveServer.configuration(apps: ["alpha"]), dataDirectory: data,
                                  logger: LiveServer.silentLogger)
        await #expect {
            _ = try await root.start()
        } throws: { error in
            let message = String(describing: error)
            return error is DataDirectoryUnsafeError && message.contains(data) && message.contains("other users can write")
                && message.contains("chmod 700")
        }
        #expect(TemporaryDirectory.list(data).isEmpty, "the refused directory was written to")
        // The CLI's path (keys create) refuses it as well.
        await #expect(throws: DataDirectoryUnsafeError.self) {
            _ = try await AppDataLocation.prepareDatabase(dataDirectory: data, app: "alpha")
        }
        #expect(TemporaryDirectory.list(data).isEmpty, "the CLI wrote to the refused directory")
    }

    @Test("a data directory owned by another user is refused", .enabled(if: geteuid() == 0, "needs root to chown"))
    func foreignOwnerIsRefused() async throws {
        let scratch = try TemporaryDirectory.make(prefix: "appbase-modes")
        defer { TemporaryDirectory.remove(scratch) }
        let data = scratch + "/data"
        #expect(mkdir(data, 0o700) == 0)
        #expect(chown(data, 4242, 4242) == 0)
        let root = RootSupervisor(configuration: LiveServer.configuration(apps: ["alpha"]), dataDirectory: data,
                                  logger: LiveServer.silentLogger)
        await #expect {
            _ = try await root.start()
        } throws: { error in
            String(describing: error).contains("owned by uid 4242")
        }
    }

    // MARK: - Helpers

    /// The permission bits of `path` (without following a symbolic link), or nil when missing.
    private func permissions(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// Every entry under `root` (and `root`) that is not a `0700` directory or a `0600` file.
    private func looseEntries(under root: String, depth: Int = 0) -> [String] {
        var info = stat()
        guard depth < 8, lstat(root, &info) == 0 else { return [] }
        let isDirectory = info.st_mode & S_IFMT == S_IFDIR
        var loose = (info.st_mode & 0o7777) == (isDirectory ? 0o700 : 0o600) ? [] : ["\(root) \(String(info.st_mode & 0o7777, radix: 8))"]
        if isDirectory {
            for name in TemporaryDirectory.list(root) { loose += looseEntries(under: root + "/" + name, depth: depth + 1) }
        }
        return loose
    }

    /// Sets every directory under `root` to 0755 and every file to 0644; returns the counts.
    private func loosen(_ root: String, depth: Int = 0) -> (directories: Int, files: Int) {
        var info = stat()
        guard depth < 8, lstat(root, &info) == 0 else { return (0, 0) }
        guard info.st_mode & S_IFMT == S_IFDIR else { return chmod(root, 0o644) == 0 ? (0, 1) : (0, 0) }
        var counts = (directories: chmod(root, 0o755) == 0 ? 1 : 0, files: 0)
        for name in TemporaryDirectory.list(root) {
            let inner = loosen(root + "/" + name, depth: depth + 1)
            counts.directories += inner.directories
            counts.files += inner.files
        }
        return counts
    }

    /// Starts an upload, waits until its temp file appears in `directory`, reads its mode, then
    /// sends the rest of the body and expects 201.
    private func modeOfTemporaryFileDuringUpload(port: Int, adminKey: String, directory: String) async throws -> mode_t? {
        let body = [UInt8](repeating: 0x61, count: 64)
        let head = RawRequest.make("POST", "/storage/buckets/docs/upload?name=b.txt",
                                   headers: [("X-API-Key", adminKey), ("Content-Type", "text/plain"),
                                             ("Content-Length", String(body.count))])
        let client = try await RawHTTPClient.connect(port: port)
        do {
            try await client.send(head + body.prefix(16))
            var temporary: String?
            let appeared = await eventually {
                temporary = TemporaryDirectory.list(directory).first { $0.hasSuffix(".part") }
                return temporary != nil
            }
            #expect(appeared, "no temp file in \(directory)")
            let mode = temporary.flatMap { permissions(directory + "/" + $0) }
            try await client.send(Array(body.dropFirst(16)))
            let response = try await client.readResponse(method: "POST")
            #expect(response.status == 201, "\(response.bodyText)")
            await client.close()
            return mode
        } catch {
            await client.close()
            throw error
        }
    }
}
