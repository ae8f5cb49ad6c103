/// `[apps.<name>.backup]`: scheduled backups of an app, run by the app's job queue as
/// `backup.scheduled` (ADR 0037). Each run writes one archive, records it in the backup catalog
/// (origin `schedule`, so it shows as the app's `lastBackup`), then deletes the schedule's
/// archives beyond `keep`, oldest first.
public struct BackupSchedule: Sendable, Equatable {
    /// `every`: the time between backups, in seconds ("30m", "6h", "24h", "7d").
    public var intervalSeconds: Int64
    /// `keep`: how many scheduled archives stay.
    public var keep: Int
    /// `dir`: where the archives go; nil puts them with the control plane's, in
    /// `data/.backups/<app>/`. A relative path is taken from the config file's directory.
    public var directory: String?

    /// The shortest `every` (a backup more often than this is a copy loop, not a schedule).
    public static let minimumIntervalSeconds: Int64 = 300
    /// The longest `every` (one year).
    public static let maximumIntervalSeconds: Int64 = 366 * 86_400
    /// `keep`'s range and default.
    public static let keepRange = 1...1_000
    public static let defaultKeep = 7

    public init(intervalSeconds: Int64, keep: Int = defaultKeep, directory: String? = nil) {
        self.intervalSeconds = intervalSeconds
        self.keep = keep
        self.directory = directory
    }

    /// Seconds in a duration written as a whole number and one unit: `s`, `m`, `h` or `d`
    /// ("90m", "24h"); nil for anything else.
    public static func seconds(in text: String) -> Int64? {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0 else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3_600
        case "d": scale = 86_400
        default: return nil
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: scale)
        return overflow ? nil : seconds
    }
}
