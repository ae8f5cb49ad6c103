import AppBaseCore
import AppBaseSQLite

/// Appends audit entries to the app's audit log inside the writer's transaction, so an action
/// and its entry commit together (implemented by the audit log, ADR 0028).
public protocol AuditRecorder: Sendable {
    /// False when the app's audit log is turned off (`[audit] enabled = false`): appends do nothing.
    var isEnabled: Bool { get }
    /// True in the measurement mode `separate_commit`: a writer that has a transaction does not
    /// append there but after its commit, in a write of its own (what a bus subscriber that
    /// acknowledges durably would cost at least; ADR 0028).
    var separateCommits: Bool { get }
    /// Appends `event` as the chain's next entry; returns its sequence (nil when turned off).
    /// Must be called inside `DatabaseWriter.write`: throwing rolls the caller's write back.
    @discardableResult
    func append(_ event: AuditEvent, in context: WriteContext) throws -> Int64?
}

/// The recorder of an environment built without an audit log (unit tests of one service).
public struct NoAuditRecorder: AuditRecorder {
    public init() {}
    public var isEnabled: Bool { false }
    public var separateCommits: Bool { false }
    public func append(_ event: AuditEvent, in context: WriteContext) throws -> Int64? { nil }
}
