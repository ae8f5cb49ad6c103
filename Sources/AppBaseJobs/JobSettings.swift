/// `[jobs]`: how one queue runs (the same for every app's queue and the master's).
public struct JobSettings: Sendable, Hashable {
    /// Jobs of one queue running at once; a slow job holds one slot, the others keep running.
    public var concurrency = 2
    /// Finished (`done`) one-off jobs are deleted this long after they finished.
    public var keepDoneSeconds: Int64 = 86_400
    /// `failed` jobs are deleted this long after they failed (unless retried first).
    public var keepFailedSeconds: Int64 = 7 * 86_400
    /// Test only (off by default): every app queue gets a `test.interrupt` job at start that writes a
    /// line to `data/<app>/test-interrupt.log` and then waits (for the SIGKILL test of ADR 0036).
    public var testInterruptJob = false

    public static let concurrencyRange = 1...16
    public static let keepRange: ClosedRange<Int64> = 60...(365 * 86_400)

    public init() {}
}
