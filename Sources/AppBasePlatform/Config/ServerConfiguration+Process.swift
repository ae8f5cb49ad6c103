import AppBaseHTTP
#if canImport(Glibc)
import Glibc
#endif

/// Settings `appbase serve` adjusts to its command line and to the process it runs in.
extension ServerConfiguration {
    /// Sets the access-log format by name (`text` or `json`); false for any other name.
    public mutating func setLogFormat(named name: String) -> Bool {
        guard let format = AccessLog.Format(rawValue: name) else { return false }
        logFormat = format
        return true
    }

    /// Raises the soft descriptor limit to the hard one, and keeps the connection cap below it
    /// (with room for databases, blobs and listeners), so the cap answers 503 before `accept`
    /// or `open` runs out of descriptors. Returns a warning when the cap had to shrink.
    public mutating func fitConnectionCapToDescriptors() -> String? {
        let requested = limits.maxConnections
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = Int(clamping: limit.rlim_cur) - 256
        guard requested > available else { return nil }
        let capped = max(16, available)
        limits.maxConnections = capped
        return "[limits] max_connections \(requested) exceeds the descriptor limit (\(limit.rlim_cur)); using \(capped)"
    }
}
