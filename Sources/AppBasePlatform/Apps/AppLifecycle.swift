import AppBaseCore

/// One app's lifecycle: the states of `AppLifecycleEvent.State` and the only moves between them.
///
/// ```
/// provisioning → running | failed | stopping
/// running      → degraded | failed | stopping
/// degraded     → running | failed | stopping
/// failed       → provisioning (restart, start) | stopped (operator stop) | deleted
/// stopping     → stopped
/// stopped      → provisioning (start) | deleted
/// deleted      → (nothing: the name is free again, a new app starts a new machine)
/// ```
/// A value type: the `AppRegistry` holds one per app and, for each successful `move`, publishes
/// `.appLifecycle` on the bus and writes one line to the master log.
public struct AppLifecycle: Sendable, Hashable {
    public typealias State = AppLifecycleEvent.State

    /// The current state.
    public private(set) var state: State

    /// A new app's machine, in `provisioning`.
    public init() { state = .provisioning }

    /// Whether `from → to` is a legal move.
    public static func isLegal(from: State, to: State) -> Bool {
        switch (from, to) {
        case (.provisioning, .running), (.provisioning, .failed), (.provisioning, .stopping),
             (.running, .degraded), (.running, .failed), (.running, .stopping),
             (.degraded, .running), (.degraded, .failed), (.degraded, .stopping),
             (.failed, .provisioning), (.failed, .stopped), (.failed, .deleted),
             (.stopping, .stopped),
             (.stopped, .provisioning), (.stopped, .deleted):
            return true
        default:
            return false
        }
    }

    /// Moves to `next`.
    /// - Throws: `IllegalTransition` (state unchanged) when the move is not in the table.
    public mutating func move(to next: State) throws(IllegalTransition) {
        guard Self.isLegal(from: state, to: next) else { throw IllegalTransition(from: state, to: next) }
        state = next
    }

    /// Whether the app serves requests in this state.
    public var isServing: Bool { state == .running || state == .degraded }

    /// A move the table forbids.
    public struct IllegalTransition: Error, Sendable, Hashable, CustomStringConvertible {
        public let from: State
        public let to: State
        public var description: String { "illegal app lifecycle transition \(from.rawValue) → \(to.rawValue)" }
    }
}
