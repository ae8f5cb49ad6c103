import AppBaseCore
import AppBaseSQLite

/// Assigns each app a port and remembers it in `master.sqlite`, so an app keeps its port
/// across restarts. Fixed ports from the config always win; others come from `[ports]`.
actor PortAllocator {
    private let database: DatabaseWriter
    private let range: ClosedRange<Int>
    private let clock: any WallClock
    /// Ports that config pins or the control plane uses; never handed out dynamically.
    private var reserved: Set<Int>
    private var assignments: [String: Int] = [:]

    init(database: DatabaseWriter, range: ClosedRange<Int>, reserved: Set<Int>, clock: any WallClock) {
        self.database = database
        self.range = range
        self.reserved = reserved
        self.clock = clock
    }

    /// Loads the remembered assignments.
    func load() async throws {
        let rows = try await database.withConnection { connection in
            try connection.query("SELECT name, port FROM apps") { ($0.text(0), Int($0.int64(1))) }
        }
        for (name, port) in rows { assignments[name] = port }
    }

    /// The port `app` should bind: its fixed port, its remembered port, or the lowest free one.
    /// `avoiding` lists ports found busy at bind time.
    func port(for app: String, fixed: Int?, avoiding busy: Set<Int> = []) async throws -> Int {
        if let fixed {
            try await remember(app, fixed)
            return fixed
        }
        if let known = assignments[app], !busy.contains(known), !reserved.contains(known),
           !assignments.contains(where: { $0.key != app && $0.value == known }) {
            return known
        }
        let taken = Set(assignments.filter { $0.key != app }.values).union(reserved).union(busy)
        guard let free = range.first(where: { !taken.contains($0) }) else {
            throw AppBaseError(status: 503, code: .unavailable, message: "No free port left in \(range) for app \(app).")
        }
        try await remember(app, free)
        return free
    }

    private func remember(_ app: String, _ port: Int) async throws {
        guard assignments[app] != port else { return }
        let now = Timestamp.rfc3339(milliseconds: clock.nowMilliseconds())
        try await database.write { context in
            // A port freed by a removed app may still be remembered for it: release it.
            try context.connection.run("DELETE FROM apps WHERE port = ? AND name <> ?", [.integer(Int64(port)), .text(app)])
            try context.connection.run("""
                INSERT INTO apps (name, port, created_at) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET port = excluded.port
                """, [.text(app), .integer(Int64(port)), .text(now)])
        }
        assignments = assignments.filter { $0.value != port }
        assignments[app] = port
    }

    /// Records a successful start.
    func markStarted(_ app: String) async {
        let now = Timestamp.rfc3339(milliseconds: clock.nowMilliseconds())
        _ = try? await database.write { context in
            try context.connection.run("UPDATE apps SET last_started_at = ? WHERE name = ?", [.text(now), .text(app)])
        }
    }
}
