import AppBaseCore
import AppBaseSQLite
#if canImport(Glibc)
import Glibc
#endif

/// `appbase restore`: verifies an archive completely while unpacking it beside the data (see
/// `BackupUnpacker`), and only then swaps it in (`BackupSwap`) — through a running server,
/// which stops and starts the app around the swap, or directly when none runs (holding the
/// data directory's lock, so no server starts meanwhile).
public enum AppRestore {
    /// What a restore did.
    public struct Result: Sendable, Equatable {
        /// The app restored (the `--as` name when given).
        public let app: String
        /// Files restored (the database and each blob).
        public let files: Int
        /// When the archive's snapshot was taken (unix milliseconds).
        public let createdAt: Int64
        /// Where the replaced data went (`.trash/…` under the data directory), nil when none.
        public let replaced: String?
        /// Whether a running server applied it (stopping and starting the app).
        public let throughServer: Bool
    }

    /// Restores `app`'s archive at `archive` into `app`, or beside it as the new app `newName`.
    /// - Throws: `BackupError` — every refusal of the archive before anything changed.
    public static func restore(dataDirectory: String, app: String, from archive: String, as newName: String? = nil,
                               clock: any WallClock = SystemWallClock()) async throws -> Result {
        let target = newName ?? app
        if let newName, !AppConfiguration.isValidName(newName) {
            throw BackupError.target("--as \(newName): an app name must match ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ and not be \"master\"")
        }
        if newName != nil, access("\(dataDirectory)/\(target)", F_OK) == 0 {
            throw BackupError.target("data/\(target) already exists; choose another --as name")
        }
        let now = clock.nowMilliseconds()
        let leaf = ".restore-\(target)-\(Identifier.uuidV7(milliseconds: now))"
        let staging = "\(dataDirectory)/\(leaf)"
        let thread = DedicatedThread(name: "restore")
        defer { thread.shutdown() }
        let unpacked = try await thread.run { try BackupUnpacker.unpack(archive: archive, expectedApp: app, into: staging) }
        do {
            let socket = ControlClient.socketPath(dataDirectory: dataDirectory)
            let command = "restore-app \(target) \(leaf) \(newName == nil ? "replace" : "new")"
            if let reply = try await thread.run({ try ControlClient.send(command, socketPath: socket, timeoutSeconds: 120) }) {
                guard reply.hasPrefix("ok") else { throw BackupError.target("the running server refused the restore: \(reply)") }
                let replaced = reply.split(separator: " ").dropFirst().first.map(String.init).flatMap { $0 == "-" ? nil : $0 }
                return Result(app: target, files: unpacked.manifest.files.count, createdAt: unpacked.manifest.createdAt,
                              replaced: replaced, throughServer: true)
            }
            let lock = try DataDirectoryLock(directory: dataDirectory)
            defer { withExtendedLifetime(lock) {} }
            let replaced: String?
            if newName == nil {
                replaced = try BackupSwap.replace(app: target, staging: staging, dataDirectory: dataDirectory, now: now)
            } else {
                try BackupSwap.place(app: target, staging: staging, dataDirectory: dataDirectory)
                try await registerOffline(target, dataDirectory: dataDirectory, now: now)
                replaced = nil
            }
            return Result(app: target, files: unpacked.manifest.files.count, createdAt: unpacked.manifest.createdAt,
                          replaced: replaced, throughServer: false)
        } catch {
            BackupStaging.remove(staging)
            throw error
        }
    }

    /// Records a restored `--as` app in `master.sqlite`, as if created through the control plane.
    private static func registerOffline(_ name: String, dataDirectory: String, now: Int64) async throws {
        let master = try await MasterDatabase.open(path: "\(dataDirectory)/master.sqlite")
        do {
            try await APIAppStore.insert(APIAppStore.Row(name: name, port: nil), at: now, into: master)
            await master.close()
        } catch {
            await master.close()
            throw error
        }
    }
}

extension AppRestore {
    /// Restores `master.sqlite` from a `master` archive. Only with no server running (the
    /// master holds ports, API apps and master keys the running server has in memory): the data
    /// directory's lock is taken first. The old database and its `-wal`/`-shm` go to `.trash/`.
    /// - Throws: `BackupError`; `DataDirectoryBusyError` while a server runs.
    public static func restoreMaster(dataDirectory: String, from archive: String,
                                     clock: any WallClock = SystemWallClock()) async throws -> Result {
        let lock = try DataDirectoryLock(directory: dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        let now = clock.nowMilliseconds()
        let staging = "\(dataDirectory)/.restore-master-\(Identifier.uuidV7(milliseconds: now))"
        let thread = DedicatedThread(name: "restore")
        defer { thread.shutdown() }
        let unpacked = try await thread.run {
            try BackupUnpacker.unpack(archive: archive, expectedApp: BackupManifest.masterName, into: staging)
        }
        defer { BackupStaging.remove(staging) }
        let live = "\(dataDirectory)/master.sqlite"
        var replaced: String?
        if access(live, F_OK) == 0 {
            let trash = ".trash/master-\(AppRegistry.compactUTC(now))-before-restore-\(Identifier.uuidV7(milliseconds: now).suffix(8))"
            try DataDirectory.create("\(dataDirectory)/\(trash)")
            for suffix in ["", "-wal", "-shm"] where access(live + suffix, F_OK) == 0 {
                guard rename(live + suffix, "\(dataDirectory)/\(trash)/master.sqlite\(suffix)") == 0 else {
                    throw BackupError.io("cannot move \(live)\(suffix) aside: \(String(cString: strerror(errno)))")
                }
            }
            replaced = trash
        }
        guard rename("\(staging)/\(BackupLayout.masterDatabaseMember)", live) == 0 else {
            throw BackupError.io("cannot put the restored master.sqlite in place: \(String(cString: strerror(errno)))")
        }
        return Result(app: BackupManifest.masterName, files: unpacked.manifest.files.count,
                      createdAt: unpacked.manifest.createdAt, replaced: replaced, throughServer: false)
    }
}
