#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Free space of the volume under a path: the app quota derived at start-up (AppBaseStorage)
/// and `appbase doctor`'s disk-space check.
public enum VolumeSpace {
    /// Bytes an unprivileged process may still write on the volume holding `path`; nil when
    /// `statvfs` fails.
    public static func availableBytes(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (bytes, overflow) = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
        return overflow ? .max : Int64(clamping: bytes)
    }
}
