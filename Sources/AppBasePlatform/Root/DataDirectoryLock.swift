import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `data/.lock`, held while a server runs: a second `appbase serve` on
/// the same data directory stops at once, before it migrates, sweeps storage or reassigns ports.
/// The kernel releases it when the process exits, however it exits.
final class DataDirectoryLock {
    private let descriptor: Int32

    init(directory: String) throws {
        let path = "\(directory)/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AppBaseError.internalError(cause: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw DataDirectoryBusyError(directory: directory)
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Another server already uses the data directory.
public struct DataDirectoryBusyError: Error, CustomStringConvertible, Sendable {
    public let directory: String
    public var description: String { "another appbase server is already using the data directory \(directory)" }
}
