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
        case running(uploads: UploadSlots)
        case shuttingDown(uploads: UploadSlots, waiters: [CheckedContinuation<Void, Never>])
        case shutdown
    }

    private var state = State.initial
    private let slots: UploadSlots

    /// - Parameters:
    ///   - maxUploads: uploads the app streams at once.
    ///   - maxUploadsPerUser: uploads one user (or anonymous client address) streams at once (within `maxUploads`).
    init(maxUploads: Int, maxUploadsPerUser: Int) {
        slots = UploadSlots(maxTotal: maxUploads, maxPerUser: maxUploadsPerUser)
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
        state = .running(uploads: slots)
    }

    /// Admits one upload by `holder` (a user or an anonymous client's address; nil for an admin key
    /// without a user); pair with `endUpload(by:)`.
    /// - Throws: 503 `server_busy` when the holder's or the app's uploads are all streaming;
    ///   503 `unavailable` when not running.
    func beginUpload(by holder: String?) throws(AppBaseError) {
        guard case .running(var uploads) = state else { throw StorageErrors.shuttingDown }
        try uploads.admit(holder)
        state = .running(uploads: uploads)
    }

    /// Ends an upload admitted by `beginUpload(by:)`, however it ended.
    func endUpload(by holder: String?) {
        switch state {
        case .running(var uploads):
            uploads.release(holder)
            state = .running(uploads: uploads)
        case .shuttingDown(var uploads, let waiters):
            uploads.release(holder)
            if uploads.total == 0 {
                state = .shutdown
                waiters.forEach { $0.resume() }
            } else {
                state = .shuttingDown(uploads: uploads, waiters: waiters)
            }
        case .initial, .starting, .shutdown:
            preconditionFailure("endUpload(by:) without a matching beginUpload(by:)")
        }
    }

    /// Uploads streaming right now.
    var activeUploads: Int {
        switch state {
        case .running(let uploads), .shuttingDown(let uploads, _): return uploads.total
        case .initial, .starting, .shutdown: return 0
        }
    }

    /// Refuses new uploads and waits for the admitted ones to end.
    func shutdown() async {
        switch state {
        case .initial, .starting, .shutdown:
            state = .shutdown
        case .running(let uploads) where uploads.total == 0:
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
