import AppBaseCore

/// A collection drop in the log, and the read rule the entries before it were written under.
struct DropMarker: Sendable, Equatable {
    var seq: Int64
    /// nil when the marker records no rule (logged by an older version).
    var readRule: AccessRule?

    /// The rule to judge an entry at `seq` by while replaying: the rule recorded by the first drop
    /// after it (the entry was logged while that rule held), else nil (the subscription's own).
    /// A drop without a recorded rule falls back to `.admin`: unknown means shown to admins only.
    static func readRule(at seq: Int64, in drops: [DropMarker]) -> AccessRule? {
        guard let drop = drops.first(where: { $0.seq > seq }) else { return nil }
        return drop.readRule ?? .admin
    }
}
