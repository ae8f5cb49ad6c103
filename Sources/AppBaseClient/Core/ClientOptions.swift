/// How patient the client is: retries after `429`/`503`, and reconnects of event streams.
public struct ClientOptions: Sendable {
    /// Retries of one request answered `429` or `503` with `Retry-After` (then the error is thrown).
    public var maxRetries = 3
    /// A `Retry-After` longer than this is not waited for: the error is thrown at once.
    public var maxRetryAfterSeconds: Double = 30
    /// The first delay before reconnecting a dropped stream when the server sent no `retry:`.
    public var reconnectDelaySeconds: Double = 0.5
    /// The longest delay between reconnects (the delay doubles after each failed attempt).
    public var maxReconnectDelaySeconds: Double = 15
    /// Consecutive failed reconnects after which a subscription ends with the last error.
    public var maxReconnectAttempts = 50

    public init() {}
}
