import AppBaseCore

/// The storage service's mutable state: its lifecycle and the uploads in flight.
///
/// Requests never wait on it for data: metadata lives in SQLite (one writer, several readers)
/// and bytes on the I/O threads. It admits uploads (bounded, so a flood of slow uploads cannot
/// hold unbounded buffers or descriptors), and on shutdown waits for the admitted ones to end
/// before the I/O threads stop, so no temp file is left open.
actor StorageActor {
    private enum State {
        case initial
        case starting
        case running(uploads: Int)
        case shuttingDown(uploads: Int, waiters: [CheckedContinuation<Void, Never>])
        case shutdown
    }

    private var state = State.initial
    private let maxUploads: Int

    init(maxUploads: Int) {
        self.maxUploads = max(1, maxUploads)
    }

    /// Runs the start-up work (crash cleanup) once, then admits requests.
    /// - Throws: what `prepare` throws; the service then stays unstarted.
    func start(_ prepare: @Sendable () async throws -> Void) async throws {
        guard case .initial = state else { preconditionFailure("StorageActor.start called twice") }
        state = .starting
        do {
            try await prepare()
        } catch {
            state = .initial
            throw error
        }
        // Re-check after the await: shutdown may have been requested meanwhile.
        guard case .starting = state else { return }
        state = .running(uploads: 0)
    }

    /// Admits one upload; pair with `endUpload()`.
    /// - Throws: 503 `server_busy` when `maxUploads` are streaming; 503 `unavailable` when not running.
    func beginUpload() throws(AppBaseError) {
        guard case .running(let uploads) = state else { throw StorageErrors.shuttingDown }
        guard uploads < maxUploads else { throw StorageErrors.uploadsBusy }
        state = .running(uploads: uploads + 1)
    }

    /// Ends an upload admitted by `beginUpload()`, however it ended.
    func endUpload() {
        switch state {
        case .running(let uploads):
            state = .running(uploads: uploads - 1)
        case .shuttingDown(let uploads, let waiters):
            if uploads == 1 {
                state = .shutdown
                waiters.forEach { $0.resume() }
            } else {
                state = .shuttingDown(uploads: uploads - 1, waiters: waiters)
            }
        case .initial, .starting, .shutdown:
            preconditionFailure("endUpload without a matching beginUpload")
        }
    }

    /// Uploads streaming right now.
    var activeUploads: Int {
        switch state {
        case .running(let uploads), .shuttingDown(let uploads, _): return uploads
        case .initial, .starting, .shutdown: return 0
        }
    }

    /// Refuses new uploads and waits for the admitted ones to end.
    func shutdown() async {
        switch state {
        case .initial, .starting, .shutdown:
            state = .shutdown
        case .running(let uploads) where uploads == 0:
            state = .shutdown
        case .running(let uploads):
            await withCheckedContinuation { continuation in
                state = .shuttingDown(uploads: uploads, waiters: [continuation])
            }
        case .shuttingDown(let uploads, let waiters):
            await withCheckedContinuation { continuation in
                state = .shuttingDown(uploads: uploads, waiters: waiters + [continuation])
            }
        }
    }
}
