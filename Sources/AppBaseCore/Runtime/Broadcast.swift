import Synchronization

/// A many-listener signal: every `send` reaches every current listener's stream.
/// Listeners buffer the newest few values; a listener that falls behind loses old ones
/// (use it for "something changed, look again", never for data that must not be lost).
public final class Broadcast<Value: Sendable>: Sendable {
    private let listeners = Mutex<[Int: AsyncStream<Value>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)
    private let buffer: Int

    public init(bufferingNewest buffer: Int = 16) { self.buffer = buffer }

    /// A stream of the values sent from now on; it ends when the caller stops iterating.
    public func listen() -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream<Value>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let id = nextID.add(1, ordering: .relaxed).newValue
        listeners.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends `value` to every listener.
    public func send(_ value: Value) {
        for continuation in listeners.withLock({ Array($0.values) }) { continuation.yield(value) }
    }

    /// Ends every listener's stream.
    public func finish() {
        let all = listeners.withLock { listeners -> [AsyncStream<Value>.Continuation] in
            defer { listeners.removeAll() }
            return Array(listeners.values)
        }
        all.forEach { $0.finish() }
    }
}
