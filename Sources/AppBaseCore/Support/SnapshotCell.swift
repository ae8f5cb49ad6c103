import Synchronization

/// Holds an immutable snapshot that an owning actor replaces as a whole and
/// hot paths read without a hop (the read is one uncontended lock).
///
/// Invariant: the value is a value type (or immutable); readers keep what they read.
public final class SnapshotCell<Value: Sendable>: Sendable {
    // Visible to inlined code, so readers in other modules are specialized for their `Value`
    // rather than looking up `Mutex<Value>`'s metadata on every read.
    @usableFromInline let storage: Mutex<Value>
    @usableFromInline let versionCounter = Atomic<UInt64>(0)

    public init(_ value: Value) { storage = Mutex(value) }

    /// The current snapshot.
    @inlinable public var value: Value { storage.withLock { $0 } }

    /// Grows with every `publish` and `update`, after the new value is in place: a reader that
    /// finds the same version as before the value it checked has seen no change since.
    @inlinable public var version: UInt64 { versionCounter.load(ordering: .acquiring) }

    /// Publishes a new snapshot; later reads see it.
    @inlinable public func publish(_ value: Value) {
        storage.withLock { stored in
            stored = value
            versionCounter.add(1, ordering: .releasing)
        }
    }

    /// Changes the snapshot in place under the lock.
    @inlinable public func update<Result>(_ body: (inout Value) -> Result) -> Result {
        storage.withLock { stored in
            defer { versionCounter.add(1, ordering: .releasing) }
            return body(&stored)
        }
    }
}
