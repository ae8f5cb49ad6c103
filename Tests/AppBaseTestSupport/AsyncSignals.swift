import Synchronization

/// An append-only log of named events that handlers record and tests await with a deadline,
/// so a test synchronises on what happened rather than on elapsed time.
public final class EventLog: Sendable {
    private struct Waiter {
        let matches: @Sendable (String) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var events: [String] = []
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Records `event` and wakes the waiters it satisfies.
    public func record(_ event: String) {
        let satisfied = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.events.append(event)
            var satisfied: [CheckedContinuation<Bool, Never>] = []
            for (id, waiter) in state.waiters where waiter.matches(event) {
                satisfied.append(waiter.continuation)
                state.waiters[id] = nil
            }
            return satisfied
        }
        for continuation in satisfied { continuation.resume(returning: true) }
    }

    /// Every event so far, in order.
    public var events: [String] { state.withLock { $0.events } }

    /// True when `event` has been recorded.
    public func contains(_ event: String) -> Bool { state.withLock { $0.events.contains(event) } }

    /// How many times `event` has been recorded.
    public func count(of event: String) -> Int { state.withLock { $0.events.count { $0 == event } } }

    /// Waits until `event` is (or was already) recorded `occurrences` times. Returns false at the deadline.
    public func wait(for event: String, occurrences: Int = 1, timeout: Duration = .seconds(15)) async -> Bool {
        if occurrences <= 1 { return await wait(timeout: timeout) { $0 == event } }
        return await eventually(timeout: timeout) { self.count(of: event) >= occurrences }
    }

    /// Waits until an event matching `matches` is (or was already) recorded. Returns false at the deadline.
    public func wait(timeout: Duration = .seconds(15), where matches: @escaping @Sendable (String) -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            let id = state.withLock { state -> UInt64? in
                if state.events.contains(where: matches) { return nil }
                state.nextID += 1
                state.waiters[state.nextID] = Waiter(matches: matches, continuation: continuation)
                return state.nextID
            }
            guard let id else {
                continuation.resume(returning: true)
                return
            }
            Task { [self] in
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(returning: false)
    }
}

/// A one-shot gate: tasks wait until a test opens it. Waiting ends early (returning false)
/// when the waiting task is cancelled, so a handler parked on a gate still sees its request
/// being cancelled.
public final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// True once `open()` has been called.
    public var isOpen: Bool { state.withLock { $0.isOpen } }

    /// Opens the gate and releases every waiter (now and later).
    public func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for the gate. Returns true when it opened, false when the task was cancelled first.
    @discardableResult
    public func wait() async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isOpen || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume()
        }
        return isOpen
    }
}

/// Polls `condition` every `interval` until it holds or `timeout` passes; returns its last value.
/// For states that have no event to await (a connection count settling after a close).
/// The default deadline means "never happened", not "was slow": generous for a loaded machine.
public func eventually(timeout: Duration = .seconds(15), interval: Duration = .milliseconds(10),
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}

/// A deterministic random number generator (SplitMix64) for reproducible fuzzing.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        for index in words.indices { words[index] = next() }
        return words.withUnsafeBytes { Array($0.prefix(count)) }
    }
}
