/// The AppBase release this binary is.
public enum AppBaseVersion {
    public static let current = "0.1.0"
    /// The day this release was cut (UTC, `YYYY-MM-DD`), moved with `current`: a clock that reads
    /// earlier is wrong (`appbase doctor` says so), since no binary runs before it was made.
    public static let releaseDate = "2026-12-04"
}
