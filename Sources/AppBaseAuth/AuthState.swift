import AppBaseCore

/// The lifecycle of one app's `AuthService`: initial → starting → running → stopping → stopped.
///
/// It owns what exists only while running — the password hasher (whose dummy hash takes one Argon2
/// run to make) — and hands it out only in the running state. Actors
/// are reentrant, so every method that follows an `await` elsewhere re-checks the phase here.
actor AuthState {
    private enum Phase {
        case initial
        case starting
        case running(hasher: PasswordHasher)
        case stopping
        case stopped
    }

    private var phase: Phase = .initial

    /// Moves initial → starting.
    /// - Throws: `AuthError.unavailable` if the service already started, or was stopped.
    func beginStarting() throws(AppBaseError) {
        guard case .initial = phase else { throw AuthError.unavailable.appBaseError }
        phase = .starting
    }

    /// Moves starting → running with what `start()` prepared.
    /// - Throws: `AuthError.unavailable` when the service is no longer starting (`shutdown()` came first).
    func finishStarting(hasher: PasswordHasher) throws(AppBaseError) {
        guard case .starting = phase else { throw AuthError.unavailable.appBaseError }
        phase = .running(hasher: hasher)
    }

    /// Returns to initial after a failed start, so the supervisor may try again.
    func failStarting() {
        if case .starting = phase { phase = .initial }
    }

    /// The password hasher, while running.
    /// - Throws: 503 `unavailable` before start or after shutdown began.
    func hasher() throws(AppBaseError) -> PasswordHasher {
        guard case .running(let hasher) = phase else { throw AuthError.unavailable.appBaseError }
        return hasher
    }

    /// Moves to stopping; false (and nothing changes) when already stopping or stopped.
    func beginStopping() -> Bool {
        switch phase {
        case .running, .initial, .starting:
            phase = .stopping
            return true
        case .stopping, .stopped:
            return false
        }
    }

    /// Moves stopping → stopped.
    func finishStopping() {
        if case .stopping = phase { phase = .stopped }
    }

    /// True while running (for tests and health).
    var isRunning: Bool {
        if case .running = phase { return true }
        return false
    }
}
