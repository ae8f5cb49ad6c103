/// The storage service's limits and defaults for one app (`[apps.<name>.storage]` in the config file).
///
/// Every limit is named here with its default, so tests and operators change one value, not code.
public struct StorageSettings: Sendable, Hashable {
    /// The default per-user quota: 1 GiB (open registration must not mean unlimited disk).
    public static let defaultUserQuotaBytes: Int64 = 1 << 30

    /// Bytes all files of the app may use (every kept version counts); nil = no fixed limit, and then
    /// `appQuotaFreeDiskPercent` decides.
    public var appQuotaBytes: Int64? = nil
    /// Without `appQuotaBytes`: at start-up the app quota becomes the app's usage plus this share
    /// (percent) of the space free on the data volume, so one app cannot fill the disk; 0 = unlimited.
    public var appQuotaFreeDiskPercent = 90
    /// Bytes the versions one user uploaded may use; nil = unlimited. Uploads made with an admin
    /// key and no user token count against the app quota only.
    public var userQuotaBytes: Int64? = defaultUserQuotaBytes
    /// Lifetime of a signed URL when the request does not say (`expiresIn`).
    public var signedURLDefaultSeconds: Int64 = 3600
    /// The longest lifetime a signed URL may ask for; beyond → 400.
    public var signedURLMaxSeconds: Int64 = 7 * 86_400
    /// The largest file a bucket accepts unless an admin sets its own limit.
    public var defaultMaxFileBytes: Int64 = 1 << 30
    /// The largest per-bucket limit an admin may set. The upload routes' body limit is this (or
    /// `defaultMaxFileBytes` when larger) plus the framing a form may carry; each bucket's own
    /// limit is enforced while the body streams.
    public var maxFileBytesCeiling: Int64 = 16 << 30
    /// Versions kept per file unless a bucket says otherwise (the oldest are pruned).
    public var defaultVersionsKept = 10
    /// The most versions a bucket may keep.
    public var maxVersionsKept = 1000
    /// Dedicated threads for blocking file I/O (writes, fsync, rename, unlink).
    public var ioThreads = 2
    /// Uploads streaming at once; beyond → 503 `server_busy` (each holds about 1 MiB of buffers).
    public var maxConcurrentUploads = 32
    /// Uploads one user may stream at once, within `maxConcurrentUploads`; beyond → 503
    /// `server_busy` for that user only, so one user's slow bodies cannot hold every slot.
    /// Anonymous uploads (a bucket open to them) count per client address; admin-key uploads
    /// without a user count against the app's limit only.
    public var maxConcurrentUploadsPerUser = 4
    /// Items per page of a file list when `limit` is absent.
    public var listDefaultLimit = 100
    /// The largest `limit` a file list accepts; beyond → 400.
    public var listMaxLimit = 1000

    public init() {}
}

extension StorageSettings {
    /// The largest file any bucket may accept: the ceiling, or the default if set above it.
    var largestFileBytes: Int64 { max(maxFileBytesCeiling, defaultMaxFileBytes) }

    /// Applies `app_quota_bytes` from the config file: 0 = unlimited (nor derived from free disk).
    public mutating func configureAppQuota(bytes: Int64) {
        appQuotaBytes = bytes == 0 ? nil : bytes
        if bytes == 0 { appQuotaFreeDiskPercent = 0 }
    }

    /// Applies `user_quota_bytes` from the config file: 0 = unlimited.
    public mutating func configureUserQuota(bytes: Int64) {
        userQuotaBytes = bytes == 0 ? nil : bytes
    }

    /// The app quota in force given the app's `usage` and the volume's `freeBytes` at start-up
    /// (nil when they could not be read): the fixed limit, else usage plus the configured share of
    /// the free space, else nil (unlimited).
    func effectiveAppQuota(usage: Int64, freeBytes: Int64?) -> Int64? {
        if let appQuotaBytes { return appQuotaBytes }
        guard appQuotaFreeDiskPercent > 0, let freeBytes else { return nil }
        let share = freeBytes / 100 * Int64(appQuotaFreeDiskPercent) + freeBytes % 100 * Int64(appQuotaFreeDiskPercent) / 100
        return usage.addingReportingOverflow(share).overflow ? .max : usage + share
    }
}
