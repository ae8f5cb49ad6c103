/// When an app database's WAL is copied back into the database file (ADR 0048).
///
/// SQLite starts the WAL over from its beginning only when a write transaction begins with every
/// frame already copied, and only the writer can copy the last frames before it appends more. So
/// background passes copy the bulk, and the writer copies the tail once it is short.
public struct CheckpointPolicy: Sendable, Hashable {
    /// Each time the WAL has grown by this many frames, the background checkpointer runs a pass.
    public var backgroundStep: Int
    /// From this many frames on, every commit asks for a pass (passes shorten as they catch up),
    /// and the writer copies the frames no pass has copied once they are at most `writerTail`.
    public var writerLimit: Int
    /// The most frames the writer ever copies itself, a stall of every write queued behind it.
    public var writerTail: Int

    /// A policy; `backgroundStep` and `writerLimit` in WAL frames (one page each).
    public init(backgroundStep: Int, writerLimit: Int, writerTail: Int) {
        self.backgroundStep = backgroundStep
        self.writerLimit = writerLimit
        self.writerTail = writerTail
    }

    /// A pass every 4,000 frames (16 MiB of 4 KiB pages), as often as SQLite's automatic
    /// checkpoint ran on the writer before; the WAL starts over from about 16,000 frames (64 MiB),
    /// the writer copying at most 500 of them.
    public static let standard = CheckpointPolicy(backgroundStep: 4_000, writerLimit: 16_000, writerTail: 500)
}

/// What the background checkpointer has done: passes completed, and the WAL's size and how many
/// of its frames were in the database file when the last one ended.
struct CheckpointProgress: Sendable, Equatable {
    var passes = 0
    var walFrames = 0
    var backfilled = 0
}

/// The writer's side of a `CheckpointPolicy`: what it remembers from one commit to the next.
/// Used on the writer's thread only (from its WAL hook).
struct CheckpointTrigger {
    let policy: CheckpointPolicy
    /// The WAL's size after the previous commit: a smaller size means it started over.
    private var lastFrames = 0
    /// The WAL's size when a pass was last asked for.
    private var lastRequest = 0
    /// Passes completed when the WAL last started over: only later ones copied any of its frames.
    private var passesAtRestart = 0

    init(policy: CheckpointPolicy) { self.policy = policy }

    /// What to do after a commit that leaves `walFrames` frames in the WAL: ask for a background
    /// pass, and whether the writer checkpoints now. `progress` is read only past the limit and
    /// when the WAL has started over.
    mutating func afterCommit(walFrames: Int, progress: () -> CheckpointProgress) -> (requestBackground: Bool, writerCheckpoints: Bool) {
        if walFrames < lastFrames {
            lastRequest = 0
            passesAtRestart = progress().passes
        }
        lastFrames = walFrames
        guard walFrames < policy.writerLimit else {
            let current = progress()
            // A pass from before the WAL started over copied none of these frames.
            let backfilled = current.passes > passesAtRestart && current.walFrames <= walFrames ? current.backfilled : 0
            if walFrames - backfilled <= policy.writerTail { return (false, true) }
            lastRequest = walFrames
            return (true, false)
        }
        let request = walFrames - lastRequest >= policy.backgroundStep
        if request { lastRequest = walFrames }
        return (request, false)
    }
}
