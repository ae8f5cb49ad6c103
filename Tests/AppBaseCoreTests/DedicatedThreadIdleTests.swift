import AppBaseCore
import AppBaseTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `DedicatedThread` lifecycle: its OS thread starts with the first work, ends after
/// `idleTimeout` without work, starts again for later work, and `shutdown` joins it.
/// Threads are counted in /proc/self/task by a name unique to each test, so tests running in
/// parallel in this process do not disturb the counts.
@Suite struct DedicatedThreadIdleTests {
    /// A thread name no other test uses (15 bytes at most: the kernel's `comm` limit).
    static func uniqueName() -> String {
        "idle-" + String(UInt64.random(in: 0...UInt64(UInt32.max)), radix: 16)
    }

    /// Threads of this process named `name`, from /proc/self/task/*/comm.
    static func threads(named name: String) -> Int {
        let tasks = DirectoryListing.names(in: "/proc/self/task") ?? []
        return tasks.filter { comm(of: $0) == name }.count
    }

    /// The name of thread `task` (a thread that has just ended reads as nil).
    static func comm(of task: String) -> String? {
        let descriptor = open("/proc/self/task/\(task)/comm", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].filter { $0 != 10 }, as: UTF8.self)
    }

    @Test func startsOnFirstWorkAndEndsWhenIdle() async throws {
        let name = Self.uniqueName()
        let thread = DedicatedThread(name: name, idleTimeout: .milliseconds(50))
        defer { thread.shutdown() }
        #expect(!thread.hasThread)
        #expect(Self.threads(named: name) == 0)

        let onThread = try await thread.run { (thread.isCurrent, Self.threads(named: name)) }
        #expect(onThread.0)
        #expect(onThread.1 == 1)
        #expect(thread.threadStarts == 1)

        #expect(await eventually(timeout: .seconds(10)) { !thread.hasThread && Self.threads(named: name) == 0 })
        #expect(!thread.isCurrent)
    }

    @Test func workAfterTheIdleStopStartsANewThread() async throws {
        let name = Self.uniqueName()
        let thread = DedicatedThread(name: name, idleTimeout: .milliseconds(20))
        defer { thread.shutdown() }
        #expect(try await thread.run { 1 } == 1)
        #expect(await eventually(timeout: .seconds(10)) { !thread.hasThread })
        // Jobs and closures both still run, in order, on the new thread.
        let order = Mutex<[Int]>([])
        for index in 0..<3 { thread.execute { order.withLock { $0.append(index) } } }
        #expect(try await thread.run { thread.isCurrent })
        #expect(order.withLock { $0 } == [0, 1, 2])
        #expect(thread.threadStarts == 2)
        #expect(await eventually(timeout: .seconds(10)) { Self.threads(named: name) == 0 })
    }

    @Test func idleHookRunsOnTheThreadAndWorkQueuedByItKeepsTheThread() async throws {
        let name = Self.uniqueName()
        let thread = DedicatedThread(name: name, idleTimeout: .milliseconds(20))
        defer { thread.shutdown() }
        let hookRuns = Mutex<[Bool]>([])
        let (ranAfterHook, signal) = AsyncStream<Int>.makeStream()
        thread.setIdleHook {
            let first = hookRuns.withLock { runs -> Bool in
                runs.append(thread.isCurrent)
                return runs.count == 1
            }
            // Work arriving during the hook: the thread must run it rather than end.
            if first { thread.execute { signal.yield(thread.threadStarts) } }
        }
        _ = try await thread.run { 0 }
        var iterator = ranAfterHook.makeAsyncIterator()
        let startsWhenRun = await iterator.next()
        #expect(startsWhenRun == 1)
        #expect(await eventually(timeout: .seconds(10)) { !thread.hasThread })
        #expect(hookRuns.withLock { $0 }.allSatisfy { $0 })
        #expect(hookRuns.withLock { $0.count } == 2)
    }

    @Test func shutdownJoinsTheRunningThreadAndRefusesLaterWork() async throws {
        let name = Self.uniqueName()
        let thread = DedicatedThread(name: name, idleTimeout: .seconds(60))
        _ = try await thread.run { 0 }
        #expect(thread.hasThread)
        thread.shutdown()
        #expect(!thread.hasThread)
        // pthread_join has returned; the kernel drops the task entry a moment later at most.
        #expect(await eventually(timeout: .seconds(5)) { Self.threads(named: name) == 0 })
        await #expect(throws: ThreadStoppedError.self) { try await thread.run { 0 } }
        #expect(thread.threadStarts == 1)
    }

    @Test func shutdownAfterAnIdleStopAndWithoutAnyWork() async throws {
        let name = Self.uniqueName()
        let idle = DedicatedThread(name: name, idleTimeout: .milliseconds(10))
        _ = try await idle.run { 0 }
        #expect(await eventually(timeout: .seconds(10)) { !idle.hasThread })
        idle.shutdown()
        let unused = DedicatedThread(name: name, idleTimeout: .milliseconds(10))
        unused.shutdown()
        #expect(unused.threadStarts == 0)
        #expect(await eventually(timeout: .seconds(5)) { Self.threads(named: name) == 0 })
    }

    @Test func manyBusyPeriodsLeaveNoThreadBehind() async throws {
        let name = Self.uniqueName()
        let thread = DedicatedThread(name: name, idleTimeout: .milliseconds(1))
        // Work offered while the previous thread may be deciding to end: every item runs once.
        let ran = Atomic<Int>(0)
        for _ in 0..<200 {
            try await thread.run { _ = ran.add(1, ordering: .relaxed) }
        }
        thread.shutdown()
        #expect(ran.load(ordering: .relaxed) == 200)
        #expect(await eventually(timeout: .seconds(5)) { Self.threads(named: name) == 0 })
    }
}
