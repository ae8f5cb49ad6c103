import AppBaseCore
import AppBasePlatform
#if canImport(Glibc)
import Glibc
#endif

extension Doctor {
    /// What the data-directory check learnt that later checks need.
    struct DataDirectoryState {
        /// It exists, is a directory and belongs to this user alone.
        var ownedByThisUser = false
        /// A server holds its lock (so its ports are that server's).
        var serverRunning = false
        /// Where to measure free space: the directory, or its nearest existing ancestor.
        var volumePath: String
    }

    /// The data directory exists, is this user's alone, and a file can be created, synced,
    /// renamed and removed in it with the directory synced after each (what SQLite's WAL and
    /// the blob store rely on).
    func checkDataDirectory(into findings: inout [DoctorFinding]) -> DataDirectoryState {
        var state = DataDirectoryState(volumePath: dataDirectory)
        var info = stat()
        guard stat(dataDirectory, &info) == 0 else {
            let code = errno
            state.volumePath = Self.nearestExistingAncestor(of: dataDirectory)
            if code == ENOENT {
                findings.append(DoctorFinding(check: "data_dir", status: .warning, message: """
                    \(dataDirectory) does not exist yet; the server creates it (mode 0700) at its first start
                    """, fix: "create it as the user the server runs as (appbase install does), then run doctor again to test it"))
            } else {
                findings.append(DoctorFinding(check: "data_dir", status: .failed,
                                              message: "cannot look at \(dataDirectory): \(String(cString: strerror(code)))",
                                              fix: "check the path and the permissions of its parent directories"))
            }
            findings.append(DoctorFinding(check: "durability", status: .skipped, message: "the data directory does not exist"))
            return state
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            findings.append(DoctorFinding(check: "data_dir", status: .failed, message: "\(dataDirectory) is not a directory",
                                          fix: "move it away, or point --data-dir at a directory"))
            findings.append(DoctorFinding(check: "durability", status: .skipped, message: "the data directory is not a directory"))
            return state
        }
        do {
            try DataDirectory.checkOwnedByThisUser(dataDirectory)
            state.ownedByThisUser = true
            findings.append(DoctorFinding(check: "data_dir", status: .ok, message: """
                \(dataDirectory) belongs to this user (uid \(geteuid())) and no one else can write to it \
                (mode 0\(String(info.st_mode & 0o7777, radix: 8)))
                """))
        } catch let error as DataDirectoryUnsafeError {
            let fix = switch error.reason {
            case .writableByOthers: "chmod 700 \(dataDirectory)"
            case .ownedByAnotherUser: "run doctor as the user the server runs as (runuser -u appbase -- appbase doctor …), or chown -R that user \(dataDirectory)"
            }
            findings.append(DoctorFinding(check: "data_dir", status: .failed, message: error.description, fix: fix))
        } catch {
            findings.append(DoctorFinding(check: "data_dir", status: .failed, message: "\(error)"))
        }
        state.serverRunning = Self.serverHoldsLock(dataDirectory)
        findings.append(DurabilityProbe.finding(for: DurabilityProbe.run(in: dataDirectory), directory: dataDirectory))
        return state
    }

    /// Free space on the data directory's volume; below `minimumFreeBytes` is a warning.
    func checkDiskSpace(volumePath: String, into findings: inout [DoctorFinding]) {
        guard let free = VolumeSpace.availableBytes(at: volumePath) else {
            findings.append(DoctorFinding(check: "disk_space", status: .warning,
                                          message: "cannot read the free space of \(volumePath): \(String(cString: strerror(errno)))"))
            return
        }
        if free < minimumFreeBytes {
            findings.append(DoctorFinding(check: "disk_space", status: .warning, message: """
                only \(Self.describe(bytes: free)) free on the volume holding \(volumePath) (less than \
                \(Self.describe(bytes: minimumFreeBytes)))
                """, fix: """
                free some space or move the data directory to a larger volume: SQLite needs room to checkpoint, \
                and uploads and backups need more
                """))
        } else {
            findings.append(DoctorFinding(check: "disk_space", status: .ok,
                                          message: "\(Self.describe(bytes: free)) free on the volume holding \(volumePath)"))
        }
    }

    /// Whether a server holds `data/.lock` (an exclusive `flock`): a shared lock cannot be had
    /// then. The file is opened read-only and never created.
    static func serverHoldsLock(_ dataDirectory: String) -> Bool {
        let descriptor = open(dataDirectory + "/.lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// `path` itself when it exists, else the closest parent that does (`.` or `/` at worst).
    static func nearestExistingAncestor(of path: String) -> String {
        var candidate = path
        var info = stat()
        while stat(candidate, &info) != 0 {
            guard let slash = candidate.lastIndex(of: "/") else { return "." }
            candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
        }
        return candidate
    }

    /// `1.5 GiB`, `300 MiB`, `12 KiB`.
    static func describe(bytes: Int64) -> String {
        let units: [(Int64, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (size, name) in units where bytes >= size {
            // Divided first: any Int64 (up to .max) fits.
            let (whole, tenth) = (bytes / size, bytes % size * 10 / size)
            return tenth == 0 || whole >= 100 ? "\(whole) \(name)" : "\(whole).\(tenth) \(name)"
        }
        return "\(bytes) bytes"
    }
}
