import AppBaseCore
import AppBaseSQLite
import OrderedCollections

/// The outcome of walking the chain: whether every entry's hash matches its fields and its
/// predecessor, and if not, the first sequence where the chain does not hold and why.
public struct AuditVerification: Sendable, Hashable {
    public var ok: Bool { firstBroken == nil }
    /// Entries present in the log.
    public var entries: Int64 = 0
    /// The last sequence verified (nil when none was).
    public var checkedThrough: Int64?
    /// The first sequence where the chain breaks: an entry whose hash does not match, or the
    /// first of a run of missing entries.
    public var firstBroken: Int64?
    public var reason: String?
    /// The checkpoint the chain starts from, when older entries were pruned.
    public var checkpoint: AuditCheckpoint?

    /// `GET /admin/audit-log/verify`'s body (and `appbase audit verify --json`).
    public var json: JSONValue {
        .object([
            "ok": .bool(ok), "entries": .int(entries), "checkedThrough": checkedThrough.map(JSONValue.int) ?? .null,
            "firstBroken": firstBroken.map(JSONValue.int) ?? .null, "reason": reason.map(JSONValue.string) ?? .null,
            "checkpoint": checkpoint.map { checkpoint -> JSONValue in
                .object(["seq": .int(checkpoint.seq), "time": .string(Timestamp.rfc3339(milliseconds: checkpoint.time)),
                         "hash": .string(checkpoint.cutHash)])
            } ?? .null,
        ])
    }

    /// Opens `databasePath` read-only and verifies its log (`appbase audit verify`; safe while the
    /// server runs).
    public static func verify(databasePath: String) throws -> AuditVerification {
        let connection = try SQLiteConnection(path: databasePath, mode: .readOnly)
        return try verify(connection)
    }

    /// Walks the whole log on `connection` in one read transaction (a consistent snapshot, also
    /// while the server writes: WAL readers never block the writer).
    public static func verify(_ connection: SQLiteConnection) throws -> AuditVerification {
        try connection.transaction {
            var walk = ChainWalk(checkpoints: try AuditStore.checkpoints(connection))
            try connection.withStatement("SELECT \(AuditStore.columns) FROM audit_log ORDER BY seq") { row in
                while try row.step() { walk.visit(row) }
            }
            walk.finish(highestSequence: try AuditStore.highestSequence(connection))
            return walk.result
        }
    }
}

/// The state of one verification walk, entry by entry in sequence order.
private struct ChainWalk {
    let checkpoints: [AuditCheckpoint]
    var result = AuditVerification()
    var previousHash: String?
    var lastSeq: Int64?

    init(checkpoints: [AuditCheckpoint]) { self.checkpoints = checkpoints }

    mutating func visit(_ row: SQLiteStatement) {
        let seq = row.int64(0)
        result.entries += 1
        defer { lastSeq = seq }
        guard result.firstBroken == nil else { return }
        if let lastSeq {
            guard seq == lastSeq + 1 else { return broken(at: lastSeq + 1, "entries \(lastSeq + 1)…\(seq - 1) are missing") }
        } else if seq == 1 {
            previousHash = AuditChain.genesis
        } else if let checkpoint = checkpoints.first(where: { $0.cutSeq == seq - 1 }) {
            previousHash = checkpoint.cutHash
            result.checkpoint = checkpoint
        } else {
            // The newest checkpoint below says where the pruned part ended; the rest is missing.
            let from = (checkpoints.filter { $0.cutSeq < seq - 1 }.map(\.cutSeq).max() ?? 0) + 1
            return broken(at: from, "entries \(from)…\(seq - 1) are missing and no checkpoint covers them")
        }
        guard let entry = AuditStore.entry(row) else { return broken(at: seq, "the entry's details are not a JSON object of strings") }
        guard let previousHash, AuditChain.hash(of: entry, previous: previousHash) == entry.hash else {
            return broken(at: seq, "the entry's hash does not match its fields and the previous entry's hash")
        }
        self.previousHash = entry.hash
        result.checkedThrough = seq
    }

    /// After the last row: entries deleted from the end leave `sqlite_sequence` above the last seq.
    mutating func finish(highestSequence: Int64) {
        guard result.firstBroken == nil, highestSequence > (lastSeq ?? 0) else { return }
        let from = (lastSeq ?? 0) + 1
        broken(at: from, "entries \(from)…\(highestSequence) are missing from the end of the log")
    }

    private mutating func broken(at seq: Int64, _ reason: String) {
        result.firstBroken = seq
        result.reason = reason
    }
}
