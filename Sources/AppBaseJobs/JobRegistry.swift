import AppBaseCore
import OrderedCollections

/// What a handler gets: the job's id, kind, payload and which try this is (1 = first).
public struct JobContext: Sendable {
    public let id: Int64
    public let kind: String
    public let payload: JSONValue
    public let attempt: Int
    /// The periodic declaration that enqueued the job, if one did.
    public let schedule: String?
}

/// Runs one job. Throwing schedules a retry (with the kind's backoff) until the attempts are
/// used up; the error's description becomes the job's `lastError`. Must be idempotent.
public typealias JobHandler = @Sendable (JobContext) async throws -> Void

/// Says, from what its owner keeps in memory, whether a periodic run may find work at
/// `nowMilliseconds`. Called on the scheduler when the run is due: it must not block, wait or do
/// I/O. False skips the run without touching the database (an idle app's writer and readers stay
/// asleep, ADR 0036); true, or any doubt, runs it.
public typealias JobProbe = @Sendable (_ nowMilliseconds: Int64) -> Bool

/// A job declared in code to run every `intervalSeconds` (stored in `job_schedules`, so a
/// restart keeps the schedule instead of resetting it).
public struct PeriodicJob: Sendable {
    /// The schedule's key in `job_schedules` (by default the kind's name).
    public let name: String
    public let kind: String
    public let intervalSeconds: Int64
    public let payload: JSONValue
    /// Asked before each run; nil runs every time.
    public let probe: JobProbe?
}

/// The kinds a `JobScheduler` knows, with their handlers, and its periodic jobs. Built by the
/// owner of a queue (an app's supervisor, the root supervisor) before the scheduler starts:
/// services expose their maintenance as plain functions and the owner registers them here, so
/// no service depends on the job module.
public struct JobRegistry: Sendable {
    struct Entry: Sendable {
        let kind: JobKind
        let handler: JobHandler
    }

    private(set) var entries: [String: Entry] = [:]
    private(set) var periodic: [PeriodicJob] = []

    public init() {}

    /// Registers `kind` with the function that runs its jobs. A kind is registered once.
    public mutating func register(_ kind: JobKind, handler: @escaping JobHandler) {
        precondition(entries[kind.name] == nil, "job kind \(kind.name) registered twice")
        entries[kind.name] = Entry(kind: kind, handler: handler)
    }

    /// Declares that a job of `kind` (registered before or after this call, but before the
    /// scheduler starts) runs every `seconds`, first one interval from its declaration. With
    /// `when`, a due run is skipped, without a write, while the probe says there is nothing to do.
    public mutating func every(_ seconds: Int64, run kind: String, payload: JSONValue = .object([:]), name: String? = nil,
                               when probe: JobProbe? = nil) {
        let key = name ?? kind
        precondition(!periodic.contains { $0.name == key }, "periodic job \(key) declared twice")
        periodic.append(PeriodicJob(name: key, kind: kind, intervalSeconds: max(1, seconds), payload: payload, probe: probe))
    }

    /// The registered kinds, by name.
    public var kinds: [String] { entries.keys.sorted() }

    func entry(_ kind: String) -> Entry? { entries[kind] }
}
