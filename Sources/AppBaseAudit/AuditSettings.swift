/// `[audit]` and `[apps.<name>.audit]`: how the app keeps its audit log and for how long.
public struct AuditSettings: Sendable, Equatable {
    /// Where entries are written.
    public enum Mode: String, Sendable, CaseIterable {
        /// In the originating write's own transaction (the default; ADR 0028).
        case transaction
        /// After the originating write commits, in a write of its own: for measuring the
        /// alternative of ADR 0028, never for production (an acknowledged write still has its entry).
        case separateCommit = "separate_commit"
        /// Nothing is appended: for measuring the log's cost, never where the log is a compliance record.
        case off
    }

    public var mode = Mode.transaction
    /// Entries older than this many days are pruned (leaving a checkpoint); 0 keeps them forever.
    public var retainDays = 365
    /// How often pruning runs.
    public var pruneIntervalSeconds = 3600
    public init() {}
}
