import AppBaseCore
import AppBaseSQLite

/// Assigns each app a port and remembers it in `master.sqlite`, so an app keeps its port
/// across restarts. Fixed ports (from the config, or asked for through the control plane) win;
/// others come from `[ports] first…last`.
///
/// A deleted app's port is not handed out again until `[ports] reclaim_grace_seconds` have
/// passed since its release, so a stale client that still knows the old port cannot reach a
/// new app by mistake. A port another process holds is skipped (assigned ports) or reported
/// (fixed ports); `isFree` is the probe, a real bind in production and a stub in unit tests.
actor PortAllocator {
    /// One row of the port map (`GET /api/ports`).
    struct Entry: Sendable, Hashable {
        enum State: String, Sendable { case assigned, grace }
        let port: Int
        let app: String
        let state: State
        /// Unix milliseconds of the release (grace entries only).
        let releasedAt: Int64?
        /// Unix milliseconds from which the port may be assigned again (grace entries only).
        let reusableAt: Int64?
    }

    private struct Grace {
        let app: String
        let releasedAt: Int64
    }

    let range: ClosedRange<Int>
    private let database: DatabaseWriter
    private let clock: any WallClock
    private let graceMilliseconds: Int64
    private let isFree: @Sendable (Int) -> Bool
    /// Ports that config pins or the control plane uses; never handed out dynamically.
    private var reserved: Set<Int>
    private var assignments: [String: Int] = [:]
    private var grace: [Int: Grace] = [:]

    init(database: DatabaseWriter, range: ClosedRange<Int>, reserved: Set<Int>, graceSeconds: Int, clock: any WallClock,
         isFree: @escaping @Sendable (Int) -> Bool) {
        self.database = database
        self.range = range
        self.reserved = reserved
        self.graceMilliseconds = Int64(graceSeconds) * 1000
        self.clock = clock
        self.isFree = isFree
    }

    /// Loads the remembered assignments and grace periods.
    func load() async throws {
        let (rows, released) = try await database.withConnection { connection in
            (try connection.query("SELECT name, port FROM apps") { ($0.text(0), Int($0.int64(1))) },
             try connection.query("SELECT port, app, released_at FROM port_grace") { (Int($0.int64(0)), $0.text(1), $0.int64(2)) })
        }
        for (name, port) in rows { assignments[name] = port }
        for (port, app, at) in released { grace[port] = Grace(app: app, releasedAt: at) }
    }

    /// Keeps `port` out of dynamic assignment (a fixed port added while running).
    func reserve(_ port: Int) { reserved.insert(port) }

    /// The port `app` should bind: its fixed port, its remembered port, or the lowest free one.
    /// `avoiding` lists ports found busy at bind time.
    /// - Parameter requested: the fixed port was asked for through the control plane, so a port
    ///   in its grace period is refused (a config file's fixed port overrides the grace).
    /// - Throws: 409 `conflict` for a fixed port another app holds, that another process
    ///   listens on, or (when `requested`) that is in its grace period; 503 when the range is full.
    func port(for app: String, fixed: Int?, requested: Bool = false, avoiding busy: Set<Int> = []) async throws -> Int {
        purgeExpiredGrace()
        if let fixed {
            try checkFixed(fixed, for: app, requested: requested)
            try await remember(app, fixed)
            return fixed
        }
        if let known = assignments[app], !busy.contains(known), !reserved.contains(known),
           !assignments.contains(where: { $0.key != app && $0.value == known }) {
            return known
        }
        let taken = Set(assignments.filter { $0.key != app }.values).union(reserved).union(busy).union(grace.keys)
        guard let free = range.first(where: { !taken.contains($0) && isFree($0) }) else {
            throw AppBaseError(status: 503, code: .unavailable, message: "No free port left in \(range) for app \(app).")
        }
        try await remember(app, free)
        return free
    }

    private func checkFixed(_ port: Int, for app: String, requested: Bool) throws {
        if let owner = assignments.first(where: { $0.key != app && $0.value == port })?.key {
            throw AppBaseError(status: 409, code: .conflict, message: "Port \(port) is assigned to app \(owner).")
        }
        if requested, let held = grace[port] {
            let reusable = Timestamp.rfc3339(milliseconds: held.releasedAt + graceMilliseconds)
            throw AppBaseError(status: 409, code: .conflict,
                               message: "Port \(port) was released by app \(held.app) and is reusable from \(reusable).")
        }
        // The app's own remembered port may still be bound by its previous listener only if
        // the caller forgot to stop it; anything else holding it is another process.
        guard isFree(port) else {
            throw AppBaseError(status: 409, code: .conflict,
                               message: "Port \(port) (fixed for app \(app)) is in use by another process.")
        }
    }

    private func remember(_ app: String, _ port: Int) async throws {
        guard assignments[app] != port || grace[port] != nil else { return }
        let now = clock.nowMilliseconds()
        try await database.write { context in
            // A port freed by a removed app may still be remembered for it: release it.
            try context.connection.run("DELETE FROM apps WHERE port = ? AND name <> ?", [.integer(Int64(port)), .text(app)])
            try context.connection.run("DELETE FROM port_grace WHERE port = ?", [.integer(Int64(port))])
            try context.connection.run("""
                INSERT INTO apps (name, port, created_at) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET port = excluded.port
                """, [.text(app), .integer(Int64(port)), .text(Timestamp.rfc3339(milliseconds: now))])
        }
        grace[port] = nil
        assignments = assignments.filter { $0.value != port }
        assignments[app] = port
    }

    /// Frees `app`'s port into its grace period (the app was deleted). Nothing to do when it
    /// had none.
    func release(_ app: String) async throws {
        guard let port = assignments[app] else { return }
        let now = clock.nowMilliseconds()
        try await database.write { context in
            try context.connection.run("DELETE FROM apps WHERE name = ?", [.text(app)])
            try context.connection.run("INSERT OR REPLACE INTO port_grace (port, app, released_at) VALUES (?, ?, ?)",
                                       [.integer(Int64(port)), .text(app), .integer(now)])
        }
        assignments[app] = nil
        grace[port] = Grace(app: app, releasedAt: now)
    }

    /// Grace periods that have run out are forgotten (their rows stay until the port is
    /// assigned again, which deletes them; a stale row is harmless once expired).
    private func purgeExpiredGrace() {
        let now = clock.nowMilliseconds()
        grace = grace.filter { $0.value.releasedAt + graceMilliseconds > now }
    }

    /// Records a successful start.
    func markStarted(_ app: String) async {
        let now = Timestamp.rfc3339(milliseconds: clock.nowMilliseconds())
        _ = try? await database.write { context in
            try context.connection.run("UPDATE apps SET last_started_at = ? WHERE name = ?", [.text(now), .text(app)])
        }
    }

    /// The port map, by port: assigned ports and ports still in their grace period.
    func entries() -> [Entry] {
        purgeExpiredGrace()
        let assigned = assignments.map { Entry(port: $0.value, app: $0.key, state: .assigned, releasedAt: nil, reusableAt: nil) }
        let waiting = grace.map {
            Entry(port: $0.key, app: $0.value.app, state: .grace, releasedAt: $0.value.releasedAt,
                  reusableAt: $0.value.releasedAt + graceMilliseconds)
        }
        return (assigned + waiting).sorted { $0.port < $1.port }
    }
}
