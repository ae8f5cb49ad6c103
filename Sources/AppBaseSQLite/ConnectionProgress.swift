import CSQLite
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// When a connection last showed signs of life: SQLite stepping its virtual machine (a progress
/// handler every `granularity` instructions) or waiting, bounded, for another connection's lock
/// (its busy handler). A health probe compares this with the start of the connection's current
/// job: a long job that keeps making progress — an index built over a large table, a big batch on
/// a starved machine, a wait for a backup's lock — is slow, not hung (ADR 0018).
///
/// Shared by the connection's thread (which ticks it) and the probe (which reads it): one
/// relaxed atomic, no lock.
public final class ConnectionProgress: Sendable {
    /// SQLite instructions between two ticks: with a tick costing one clock read and one store,
    /// about one per 50–100 µs of SQL work.
    static let granularity: Int32 = 10_000
    /// How long a busy wait lasts before SQLite gives up with `SQLITE_BUSY`, as `busy_timeout`.
    static let busyTimeoutMillis = 5_000
    /// The busy handler's sleeps (ms), then the last one repeated: SQLite's own schedule.
    static let busyDelaysMillis: [Int] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100]

    private let lastTick = Atomic<UInt64>(0)

    public init() {}

    /// Notes progress now.
    func tick() { lastTick.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }

    /// The monotonic time (`DispatchTime` nanoseconds) of the last tick; 0 before any.
    public var lastTickNanoseconds: UInt64 { lastTick.load(ordering: .relaxed) }

    /// Milliseconds a busy handler has slept after `count` earlier calls.
    static func busyWaited(afterCalls count: Int) -> Int {
        let schedule = busyDelaysMillis
        guard count > 0 else { return 0 }
        if count <= schedule.count { return schedule.prefix(count).reduce(0, +) }
        return schedule.reduce(0, +) + (count - schedule.count) * (schedule.last ?? 100)
    }
}

extension SQLiteConnection {
    /// Reports this connection's progress to `progress` from now on (the writer's connection):
    /// a progress handler ticks it while SQL runs, and a busy handler that keeps `busy_timeout`'s
    /// 5 s limit ticks it while waiting for another connection's lock. `withWorkBudget` puts
    /// the progress handler back when it ends.
    public func reportProgress(to progress: ConnectionProgress) {
        progressReporter = progress
        installProgressReporter()
        let context = Unmanaged.passUnretained(progress).toOpaque()
        sqlite3_busy_handler(handle, { context, count in
            guard let context else { return 0 }
            let calls = Int(count)
            guard ConnectionProgress.busyWaited(afterCalls: calls) < ConnectionProgress.busyTimeoutMillis else { return 0 }
            let delays = ConnectionProgress.busyDelaysMillis
            let delay = calls < delays.count ? delays[calls] : (delays.last ?? 100)
            usleep(useconds_t(delay * 1000))
            Unmanaged<ConnectionProgress>.fromOpaque(context).takeUnretainedValue().tick()
            return 1
        }, context)
    }

    /// (Re)installs the progress handler that ticks `progressReporter`, if one is set.
    func installProgressReporter() {
        guard let progressReporter else {
            sqlite3_progress_handler(handle, 0, nil, nil)
            return
        }
        // The connection keeps `progressReporter` alive as long as the handler can run.
        let context = Unmanaged.passUnretained(progressReporter).toOpaque()
        sqlite3_progress_handler(handle, ConnectionProgress.granularity, { context in
            guard let context else { return 0 }
            Unmanaged<ConnectionProgress>.fromOpaque(context).takeUnretainedValue().tick()
            return 0
        }, context)
    }
}
