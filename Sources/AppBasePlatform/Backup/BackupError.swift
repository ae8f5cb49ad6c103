import AppBaseCore

/// Why a backup could not be made or an archive was refused. Every refusal of an archive is
/// raised before anything under the data directory changed; `description` is the message the
/// CLI prints and the control plane sends.
public enum BackupError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The archive is not a readable gzip'd tar, or a member is damaged or missing.
    case corrupt(String)
    /// The archive ends early.
    case truncated(String)
    /// The archive was written in a format this version does not read.
    case unsupportedVersion(Int64)
    /// The archive holds another app (or the master) than the one named.
    case wrongApp(archive: String, requested: String)
    /// A file's SHA-256 or size differs from the manifest.
    case checksumMismatch(path: String)
    /// The target of a restore is not usable (a name taken, an app not registered, …).
    case target(String)
    /// A file-system or database step failed.
    case io(String)

    public var description: String {
        switch self {
        case .corrupt(let why): return "the archive is corrupt: \(why); nothing was changed"
        case .truncated(let why): return "the archive is truncated (\(why)); nothing was changed"
        case .unsupportedVersion(let version):
            return "the archive has format version \(version); this appbase reads version \(BackupManifest.formatVersion) only; nothing was changed"
        case .wrongApp(let archive, let requested):
            return "the archive holds \(archive == BackupManifest.masterName ? "the master database" : "app \"\(archive)\""), not \"\(requested)\"; nothing was changed"
        case .checksumMismatch(let path): return "the archive is corrupt: \(path) does not match its SHA-256 in the manifest; nothing was changed"
        case .target(let why): return why
        case .io(let why): return why
        }
    }

    /// The control plane's answer for this error.
    var appError: AppBaseError {
        switch self {
        case .target(let why): return AppBaseError(status: 409, code: .conflict, message: why)
        case .io(let why): return AppBaseError(status: 503, code: .unavailable, message: "Backup failed: \(why)")
        default: return AppBaseError.badRequest(description)
        }
    }
}
