import AppBaseCore
import OrderedCollections

/// One row of `jobs`, as the queue and `GET /admin/jobs` see it.
public struct Job: Sendable, Hashable {
    public var id: Int64
    public var kind: String
    public var state: JobState
    /// The payload's JSON text, as enqueued.
    public var payload: String
    /// When the job may run next (milliseconds since the epoch).
    public var runAt: Int64
    /// Tries started so far (a running job counts its current try).
    public var attempts: Int
    public var maxAttempts: Int
    public var lastError: String?
    /// The periodic declaration that enqueued it, if one did.
    public var schedule: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    /// The payload parsed; an unparseable one (never written by this code) reads as null.
    public var payloadValue: JSONValue {
        (try? JSONParser.parse(Array(payload.utf8))) ?? .null
    }

    /// `{id, kind, state, attempts, maxAttempts, runAt, lastError, createdAt, updatedAt, payload}`;
    /// times in RFC 3339 like every other timestamp of the API, `id` as a string like every other id.
    public var json: JSONValue {
        .object([
            "id": .string(String(id)),
            "kind": .string(kind),
            "state": .string(state.rawValue),
            "attempts": .int(Int64(attempts)),
            "maxAttempts": .int(Int64(maxAttempts)),
            "runAt": .string(Timestamp.rfc3339(milliseconds: runAt)),
            "lastError": lastError.map(JSONValue.string) ?? .null,
            "schedule": schedule.map(JSONValue.string) ?? .null,
            "createdAt": .string(Timestamp.rfc3339(milliseconds: createdAt)),
            "updatedAt": .string(Timestamp.rfc3339(milliseconds: updatedAt)),
            "payload": payloadValue,
        ])
    }
}
