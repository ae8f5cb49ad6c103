import AppBaseCore
import AppBaseHTTP
import AppBaseRuntime
import OrderedCollections

/// The wire form of everything a stream sends.
///
/// | event          | `id:`                         | `data:`                                     |
/// |----------------|-------------------------------|---------------------------------------------|
/// | `ready`        | the sequence the stream is live from | `{"seq":N}`                          |
/// | `create|update|delete` | the change's sequence | `{"action","collection","record"}`          |
/// | `heartbeat`    | the sequence evaluated so far | `{"seq":N}`                                 |
/// | `reset`        | the sequence the stream goes on from | `{"reason":"expired"|"future"|"collection_deleted"|"rules_changed","since":S,"seq":N}` |
/// | `auth_expired`, `auth_revoked` | none          | `{"code":…}`                                |
enum SSEFrames {
    /// `create|update|delete` for one change, with the record image as it is stored.
    static func change(_ action: RecordAction, seq: Int64, collection: String, record: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(record.count + collection.utf8.count + 48)
        data.append(contentsOf: #"{"action":""#.utf8)
        data.append(contentsOf: action.rawValue.utf8)
        data.append(contentsOf: #"","collection":"#.utf8)
        JSONText.appendEscapedString(collection, to: &data)
        data.append(contentsOf: #","record":"#.utf8)
        data.append(contentsOf: record)
        data.append(UInt8(ascii: "}"))
        return ServerSentEvent(event: action.rawValue, id: String(seq), data: data).encoded()
    }

    /// A control event with a small JSON body.
    static func control(event: String, id: Int64? = nil, data: JSONValue, retry: Int? = nil) -> [UInt8] {
        ServerSentEvent(event: event, id: id.map { String($0) }, data: data.serialized(), retryMilliseconds: retry).encoded()
    }

    /// Sent first: the reconnection delay, before any replay.
    static func retry(_ milliseconds: Int) -> [UInt8] { Array("retry: \(milliseconds)\n\n".utf8) }

    /// The stream is live from `seq`.
    static func ready(seq: Int64, retry: Int) -> [UInt8] {
        control(event: "ready", id: seq, data: .object(["seq": .int(seq)]), retry: retry)
    }

    /// Nothing to send: still alive, and everything up to `seq` has been evaluated, so a client
    /// resuming from here misses nothing (a quiet filtered stream never falls out of the window).
    static func heartbeat(seq: Int64) -> [UInt8] {
        control(event: "heartbeat", id: seq, data: .object(["seq": .int(seq)]))
    }

    /// The requested position cannot be resumed (pruned, or newer than the log after a
    /// restore): refetch; the stream continues live from `seq`.
    static func reset(reason: String, since: Int64, seq: Int64) -> [UInt8] {
        control(event: "reset", id: seq, data: .object(["reason": .string(reason), "since": .int(since), "seq": .int(seq)]))
    }
}
