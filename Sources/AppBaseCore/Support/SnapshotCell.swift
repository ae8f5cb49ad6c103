import Synchronization

/// Holds an immutable snapshot that an owning actor replaces as a whole and
/// hot paths read without a hop (the read is one uncontended lock).
///
/// Invariant: the value is a value type (or immutable); readers keep what they read.
public final class SnapshotCell<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    public init(_ value: Value) { storage = Mutex(value) }

    /// The current snapshot.
    public var value: Value { storage.withLock { $0 } }

    /// Publishes a new snapshot; later reads see it.
    public func publish(_ value: Value) { storage.withLock { $0 = value } }

    /// Changes the snapshot in place under the lock.
    public func update<Result>(_ body: (inout Value) -> Result) -> Result { storage.withLock { body(&$0) } }
}
