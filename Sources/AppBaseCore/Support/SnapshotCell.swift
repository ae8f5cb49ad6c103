import Synchronization

/// Holds an immutable snapshot that an owning actor replaces as a whole and
/// hot paths read without a hop (the read is one uncontended lock).
///
/// Invariant: the value is a value type (or immutable); readers keep what they read.
public final class SnapshotCell<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    private let versionCounter = Atomic<UInt64>(0)

    public init(_ value: Value) { storage = Mutex(value) }

    /// The current snapshot.
    public var value: Value { storage.withLock { $0 } }

    /// Grows with every `publish` and `update`, after the new value is in place: a reader that
    /// finds the same version as before the value it checked has seen no change since.
    public var version: UInt64 { versionCounter.load(ordering: .acquiring) }

    /// Publishes a new snapshot; later reads see it.
    public func publish(_ value: Value) {
        storage.withLock { stored in
            stored = value
            versionCounter.add(1, ordering: .releasing)
        }
    }

    /// Changes the snapshot in place under the lock.
    public func update<Result>(_ body: (inout Value) -> Result) -> Result {
        storage.withLock { stored in
            defer { versionCounter.add(1, ordering: .releasing) }
            return body(&stored)
        }
    }
}
