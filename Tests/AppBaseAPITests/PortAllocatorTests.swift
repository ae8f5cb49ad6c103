import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Synchronization
import Testing
@testable import AppBasePlatform

/// The PortAllocator over a real `master.sqlite`: assignment from the range, memory across
/// restarts, the grace period after a release, ports held by other processes, fixed ports.
@Suite("PortAllocator")
struct PortAllocatorTests {
    /// Ports a stub probe reports as held by another process.
    final class Busy: Sendable {
        let ports = Mutex<Set<Int>>([])
        func isFree(_ port: Int) -> Bool { ports.withLock { !$0.contains(port) } }
    }

    static func withDatabase(_ body: (DatabaseWriter, String) async throws -> Void) async throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-ports")
        defer { TemporaryDirectory.remove(directory) }
        let database = try await MasterDatabase.open(path: "\(directory)/master.sqlite")
        do {
            try await body(database, directory)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    static func allocator(_ database: DatabaseWriter, clock: any WallClock = ManualWallClock(), busy: Busy = Busy(),
                          reserved: Set<Int> = [], grace: Int = 60) async throws -> PortAllocator {
        let allocator = PortAllocator(database: database, range: 5000...5009, reserved: reserved, graceSeconds: grace,
                                      clock: clock, isFree: { busy.isFree($0) })
        try await allocator.load()
        return allocator
    }

    @Test("assigns the lowest free port of the range, skipping reserved ones")
    func assignsFromRange() async throws {
        try await Self.withDatabase { database, _ in
            let allocator = try await Self.allocator(database, reserved: [5000])
            #expect(try await allocator.port(for: "a", fixed: nil) == 5001)
            #expect(try await allocator.port(for: "b", fixed: nil) == 5002)
            #expect(try await allocator.port(for: "a", fixed: nil) == 5001, "asked again, a keeps its port")
        }
    }

    @Test("an app keeps its port across restarts (a new allocator on the same database)")
    func keepsPortAcrossRestarts() async throws {
        try await Self.withDatabase { database, _ in
            let first = try await Self.allocator(database)
            _ = try await first.port(for: "a", fixed: nil)
            #expect(try await first.port(for: "b", fixed: nil) == 5001)
            let again = try await Self.allocator(database)
            #expect(try await again.port(for: "b", fixed: nil) == 5001)
            #expect(try await again.port(for: "c", fixed: nil) == 5002)
        }
    }

    @Test("a released port is reused only after the grace period, and the map shows it meanwhile")
    func graceBeforeReuse() async throws {
        try await Self.withDatabase { database, _ in
            let clock = ManualWallClock()
            let allocator = try await Self.allocator(database, clock: clock, grace: 60)
            #expect(try await allocator.port(for: "a", fixed: nil) == 5000)
            try await allocator.release("a")
            let entries = await allocator.entries()
            #expect(entries == [PortAllocator.Entry(port: 5000, app: "a", state: .grace, releasedAt: clock.nowMilliseconds(),
                                                    reusableAt: clock.nowMilliseconds() + 60_000)])
            #expect(try await allocator.port(for: "b", fixed: nil) == 5001, "in its grace period 5000 is skipped")
            // The grace survives a restart.
            let restarted = try await Self.allocator(database, clock: clock, grace: 60)
            #expect(try await restarted.port(for: "c", fixed: nil) == 5002)
            await #expect(throws: AppBaseError.self) { _ = try await restarted.port(for: "d", fixed: 5000, requested: true) }
            clock.advance(seconds: 60)
            #expect(try await restarted.port(for: "d", fixed: nil) == 5000, "after the grace 5000 is free again")
            #expect(await restarted.entries().allSatisfy { $0.state == .assigned })
        }
    }

    @Test("a config file's fixed port overrides the grace period")
    func fixedPortOverridesGrace() async throws {
        try await Self.withDatabase { database, _ in
            let allocator = try await Self.allocator(database)
            _ = try await allocator.port(for: "a", fixed: nil)
            try await allocator.release("a")
            #expect(try await allocator.port(for: "b", fixed: 5000) == 5000)
        }
    }

    @Test("a port another process holds is skipped")
    func skipsBusyPort() async throws {
        try await Self.withDatabase { database, _ in
            let busy = Busy()
            busy.ports.withLock { $0 = [5000, 5001] }
            let allocator = try await Self.allocator(database, busy: busy)
            #expect(try await allocator.port(for: "a", fixed: nil) == 5002)
        }
    }

    @Test("a fixed port held by another process, or assigned to another app, is a clear 409")
    func fixedPortTaken() async throws {
        try await Self.withDatabase { database, _ in
            let busy = Busy()
            busy.ports.withLock { $0 = [5005] }
            let allocator = try await Self.allocator(database, busy: busy)
            do {
                _ = try await allocator.port(for: "a", fixed: 5005)
                Issue.record("a busy fixed port was accepted")
            } catch let error as AppBaseError {
                #expect(error.status == 409)
                #expect(error.message == "Port 5005 (fixed for app a) is in use by another process.")
            }
            _ = try await allocator.port(for: "b", fixed: nil)
            do {
                _ = try await allocator.port(for: "c", fixed: 5000)
                Issue.record("another app's port was accepted")
            } catch let error as AppBaseError {
                #expect(error.status == 409)
                #expect(error.message == "Port 5000 is assigned to app b.")
            }
        }
    }

    @Test("the real probe sees a port this process holds as taken")
    func realProbe() throws {
        let holder = try #require(PortHolder())
        #expect(!PortProbe.isFree(host: "127.0.0.1", port: holder.port))
    }
}
