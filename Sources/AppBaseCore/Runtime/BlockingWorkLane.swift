/// One tenant's (app's) side of a shared `BlockingWorkPool`: its work waits for its turn.
public struct BlockingWorkLane: BlockingWorkRunner {
    let pool: BlockingWorkPool
    /// The lane's key (the app's name).
    public let key: String

    public var retryAfterSeconds: Int { pool.retryAfterSeconds }

    /// Runs `body` on the pool when this lane's turn comes.
    /// - Throws: `server_busy` when this lane's queue (or the pool's total) is full; what `body` throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.run(in: key, body)
    }
}
