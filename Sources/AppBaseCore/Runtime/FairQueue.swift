import DequeModule

/// Waiting work grouped by key (an app), taken out round-robin among the keys that have work.
///
/// Pure bookkeeping, no threads and no bounds: `BlockingWorkPool` decides admission and when a
/// thread is free. Order within a key is first in, first out. Across keys each key with work gets
/// one turn per round, and the key served last goes behind the others even when it was the only
/// one waiting at the time — so a key whose work keeps arriving cannot take two turns in a row
/// while another key waits.
public struct FairQueue<Element> {
    private var queues: [String: Deque<Element>] = [:]
    /// Keys with at least one waiting element, in turn order. Invariant: a key is here exactly
    /// when `queues[key]` is non-empty, and at most once.
    private var turns = Deque<String>()
    private var lastServed: String?

    /// Elements waiting in all keys.
    public private(set) var count = 0

    public init() {}

    /// Elements waiting under `key`.
    public func count(for key: String) -> Int { queues[key]?.count ?? 0 }

    /// Whether nothing waits.
    public var isEmpty: Bool { count == 0 }

    /// Appends `element` behind `key`'s earlier ones.
    public mutating func enqueue(_ element: Element, key: String) {
        if queues[key, default: []].isEmpty { turns.append(key) }
        queues[key, default: []].append(element)
        count += 1
    }

    /// The next element by turn, with its key; nil when nothing waits.
    public mutating func dequeue() -> (key: String, element: Element)? {
        guard var key = turns.popFirst() else { return nil }
        if key == lastServed, let other = turns.popFirst() {
            // The key served last re-entered the turns before another waiting key: the other goes first.
            turns.prepend(key)
            key = other
        }
        guard let element = queues[key]?.popFirst() else { preconditionFailure("a key in turn has no waiting element") }
        if queues[key]?.isEmpty == true {
            queues[key] = nil
        } else {
            turns.append(key)
        }
        count -= 1
        lastServed = key
        return (key, element)
    }

    /// Removes and returns everything waiting (at shutdown).
    public mutating func removeAll() -> [Element] {
        let all = queues.values.flatMap { $0 }
        queues = [:]
        turns = []
        count = 0
        return all
    }
}

extension FairQueue: Sendable where Element: Sendable {}
