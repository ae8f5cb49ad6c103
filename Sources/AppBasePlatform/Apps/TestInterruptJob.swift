import AppBaseCore
import AppBaseJobs
#if canImport(Glibc)
import Glibc
#endif

/// Test only, behind `[apps.<name>.jobs] test_interrupt_job = true` (off by default): a job that
/// appends `start <attempt>` to `data/<app>/test-interrupt.log`, fsyncs it, then waits ten
/// minutes. The SIGKILL test (Tests/python/test_jobs_sigkill.py) kills the server while the job
/// waits and expects a second line after the restart: at-least-once delivery, end to end.
enum TestInterruptJob {
    static let kind = "test.interrupt"
    static let logName = "test-interrupt.log"

    static func register(in registry: inout JobRegistry, dataDirectory: String) {
        let path = "\(dataDirectory)/\(logName)"
        registry.register(JobKind(kind, maxAttempts: 5)) { context in
            try append("start \(context.attempt)\n", to: path)
            try await Task.sleep(for: .seconds(600))
        }
    }

    /// Queues the job once per database (at the first start with the flag on).
    static func enqueueOnce(on scheduler: JobScheduler) async throws {
        guard try await scheduler.list(state: nil, kind: kind, before: nil, limit: 1).isEmpty else { return }
        try await scheduler.enqueue(kind)
    }

    private static func append(_ line: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw AppBaseError.internalError(cause: "open \(path): errno \(errno)") }
        defer { close(descriptor) }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            throw AppBaseError.internalError(cause: "write \(path): errno \(errno)")
        }
    }
}
