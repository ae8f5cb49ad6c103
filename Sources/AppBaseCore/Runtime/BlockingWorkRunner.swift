/// Something that runs blocking work off the cooperative pool with bounded admission: a whole
/// `BlockingWorkPool` or one lane of it.
public protocol BlockingWorkRunner: Sendable {
    /// Seconds suggested to clients in `Retry-After` when admission is refused.
    var retryAfterSeconds: Int { get }
    /// Runs `body` on a dedicated thread.
    /// - Throws: `AppBaseError` `server_busy` when the queue is full; whatever `body` throws.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T
}
