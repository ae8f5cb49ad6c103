/// Download (sendfile) slots: each holds a libuv pool thread while its client reads, so they
/// are bounded in total and per app — one app's slow readers leave the other apps theirs.
/// A slot is reserved before a file answer's head is written (a burst cannot overshoot) and
/// released when its last holder — the exchange, then the sendfile job — lets go. Loop thread only.
final class DownloadSlots {
    private let maxTotal: Int
    private let maxPerApp: Int
    private(set) var active = 0
    private var perApp: [String: Int] = [:]

    init(limits: HTTPLimits) {
        maxTotal = limits.maxConcurrentFileResponses
        maxPerApp = min(limits.maxConcurrentFileResponsesPerApp, limits.maxConcurrentFileResponses)
    }

    /// A slot for one of `app`'s downloads, or nil when the app's share or the total is in use.
    func reserve(app: String) -> FileSlot? {
        let held = perApp[app, default: 0]
        guard active < maxTotal, held < maxPerApp else { return nil }
        active += 1
        perApp[app] = held + 1
        return FileSlot(app: app, slots: self)
    }

    /// Downloads `app` has in flight (tests, metrics).
    func count(for app: String) -> Int { perApp[app, default: 0] }

    fileprivate func release(app: String) {
        active -= 1
        let held = perApp[app, default: 1]
        if held <= 1 { perApp[app] = nil } else { perApp[app] = held - 1 }
    }
}

/// One reserved download slot, released when the last reference goes (on the loop thread: the
/// exchange and the sendfile job are both dropped there).
final class FileSlot {
    let app: String
    private let slots: DownloadSlots

    fileprivate init(app: String, slots: DownloadSlots) {
        self.app = app
        self.slots = slots
    }

    deinit { slots.release(app: app) }
}
