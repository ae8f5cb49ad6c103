import AppBaseCore
import Synchronization

/// The dashboard's live state in memory, read on the loop thread for every cookie-authenticated
/// request: live sessions by cookie digest, whether any admin exists, and the pending setup link.
///
/// Written only after a commit (in `afterCommit`, or after a reload read), so a response that reports
/// a change is never sent before the next request sees it. A handful of admins means a handful of
/// sessions: one lock, no snapshot copying.
final class DashboardSessionBook: Sendable {
    /// One live sign-in.
    struct Session: Sendable, Hashable {
        let id: String
        let admin: DashboardAdmin
        /// Unix milliseconds.
        let expiresAt: Int64
    }

    /// The first-run setup link's token (plain text, kept only in memory so the operator can be shown it).
    struct Setup: Sendable, Hashable {
        let token: String
        let expiresAt: Int64
    }

    private struct State {
        var sessions: [[UInt8]: Session] = [:]
        var adminCount = 0
        var setup: Setup?
    }

    private let state = Mutex(State())

    /// The live session whose cookie has SHA-256 `tokenHash`, unless it expired at `now`.
    func session(tokenHash: [UInt8], now: Int64) -> Session? {
        state.withLock { state in
            guard let session = state.sessions[tokenHash], session.expiresAt > now else { return nil }
            return session
        }
    }

    /// True while session `id` is live (streams opened through it re-check this).
    func isLive(sessionID id: String, now: Int64) -> Bool {
        state.withLock { $0.sessions.values.contains { $0.id == id && $0.expiresAt > now } }
    }

    /// Replaces everything with what the database says (start-up, CLI changes).
    func replace(sessions: [(session: Session, tokenHash: [UInt8])], adminCount: Int, setup: Setup?) {
        state.withLock { state in
            state.sessions = Dictionary(sessions.map { ($0.tokenHash, $0.session) }, uniquingKeysWith: { first, _ in first })
            state.adminCount = adminCount
            state.setup = adminCount == 0 ? setup : nil
        }
    }

    /// A new sign-in (after its commit). The first one made by setup also ends the setup link.
    func add(_ session: Session, tokenHash: [UInt8], adminCreated: Bool = false) {
        state.withLock { state in
            state.sessions[tokenHash] = session
            if adminCreated {
                state.adminCount += 1
                state.setup = nil
            }
        }
    }

    /// Forgets a session (signed out); returns whether it was live.
    @discardableResult
    func remove(tokenHash: [UInt8]) -> Bool {
        state.withLock { $0.sessions.removeValue(forKey: tokenHash) != nil }
    }

    /// Drops expired sessions (periodic upkeep).
    func prune(now: Int64) {
        state.withLock { state in state.sessions = state.sessions.filter { $0.value.expiresAt > now } }
    }

    /// The setup link's token while no admin exists and it has not expired at `now`.
    func pendingSetup(now: Int64) -> Setup? {
        state.withLock { state in
            guard state.adminCount == 0, let setup = state.setup, setup.expiresAt > now else { return nil }
            return setup
        }
    }

    var adminCount: Int { state.withLock { $0.adminCount } }
}
