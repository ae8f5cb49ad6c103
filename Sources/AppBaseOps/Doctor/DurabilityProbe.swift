#if canImport(Glibc)
import Glibc
#endif

/// Tries, in a directory, the file operations SQLite's WAL and the blob store rely on: create a
/// file, write it, `fsync` it, rename it over another name, `fsync` the directory, remove it and
/// `fsync` the directory again. Some file systems accept writes but not these (a read-only
/// mount, some FUSE and network mounts refuse `fsync` or `rename`); the server would then fail
/// late, at its first write, or lose acknowledged data at a power cut.
public enum DurabilityProbe {
    /// The step that failed.
    public enum Step: String, Sendable, Equatable {
        case create = "create a file"
        case write = "write to a file"
        case fileSync = "fsync a file"
        case rename = "rename a file"
        case directorySync = "fsync the directory"
        case remove = "remove a file"
    }

    /// A step and its `errno`.
    public struct Failure: Sendable, Equatable {
        public let step: Step
        public let code: Int32
        public init(step: Step, code: Int32) {
            self.step = step
            self.code = code
        }
    }

    /// Runs the steps in `directory`; nil when all worked. Leaves nothing behind.
    public static func run(in directory: String) -> Failure? {
        let temporary = "\(directory)/.doctor-\(getpid()).tmp"
        let final = "\(directory)/.doctor-\(getpid()).probe"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { return Failure(step: .create, code: errno) }
        var failure: Failure?
        let bytes = Array("appbase doctor durability probe\n".utf8)
        if bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) != bytes.count {
            failure = Failure(step: .write, code: errno)
        } else if fsync(descriptor) != 0 {
            failure = Failure(step: .fileSync, code: errno)
        }
        close(descriptor)
        if let failure {
            unlink(temporary)
            return failure
        }
        guard rename(temporary, final) == 0 else {
            let code = errno
            unlink(temporary)
            return Failure(step: .rename, code: code)
        }
        if let code = syncDirectory(directory) {
            unlink(final)
            return Failure(step: .directorySync, code: code)
        }
        guard unlink(final) == 0 else { return Failure(step: .remove, code: errno) }
        if let code = syncDirectory(directory) { return Failure(step: .directorySync, code: code) }
        return nil
    }

    /// The finding for a run's result: what failed, in words an operator can act on.
    public static func finding(for failure: Failure?, directory: String) -> DoctorFinding {
        guard let failure else {
            return DoctorFinding(check: "durability", status: .ok, message: """
                a file in \(directory) can be created, written, fsynced, renamed and removed, with the directory fsynced
                """)
        }
        let reason = String(cString: strerror(failure.code))
        let isSync = failure.step == .fileSync || failure.step == .directorySync
        let (message, fix): (String, String) = switch (failure.code, isSync) {
        case (EROFS, _):
            ("\(directory) is on a read-only file system (could not \(failure.step.rawValue))",
             "remount it read-write, or point --data-dir at a writable file system")
        case (EACCES, _), (EPERM, _):
            ("this user (uid \(geteuid())) may not \(failure.step.rawValue) in \(directory): \(reason)",
             "give the directory to the user the server runs as (chown -R appbase \(directory); chmod 700 \(directory))")
        case (ENOSPC, _), (EDQUOT, _):
            ("the volume holding \(directory) is full (could not \(failure.step.rawValue))", "free some space")
        case (EINVAL, true), (EOPNOTSUPP, true):
            ("the file system holding \(directory) does not support \(failure.step.rawValue): acknowledged writes could be lost",
             "put the data directory on a local file system (ext4, xfs, btrfs)")
        default:
            ("could not \(failure.step.rawValue) in \(directory): \(reason)",
             "put the data directory on a local, writable file system (ext4, xfs, btrfs)")
        }
        return DoctorFinding(check: "durability", status: .failed, message: message, fix: fix)
    }

    /// `fsync` of a directory (so a rename or unlink in it is durable); the `errno` on failure.
    private static func syncDirectory(_ path: String) -> Int32? {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 ? nil : errno
    }
}
