/// Requests each app has in flight (a handler running or its answer being written), so an app
/// being stopped or deleted can let them finish before its database closes. Loop thread only.
final class InFlightRequests {
    private var counts: [String: Int] = [:]
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// A token for one of `app`'s requests; the count drops when the last holder lets go of it.
    func begin(app: String) -> InFlightToken {
        counts[app, default: 0] += 1
        return InFlightToken(app: app, owner: self)
    }

    /// Requests `app` has in flight.
    func count(for app: String) -> Int { counts[app, default: 0] }

    /// Resumes `continuation` once `app` has nothing in flight.
    func whenIdle(_ app: String, _ continuation: CheckedContinuation<Void, Never>) {
        if counts[app, default: 0] == 0 {
            continuation.resume()
        } else {
            waiters[app, default: []].append(continuation)
        }
    }

    /// Resumes whoever waits for `app` now (their wait timed out).
    func stopWaiting(for app: String) {
        waiters.removeValue(forKey: app)?.forEach { $0.resume() }
    }

    fileprivate func end(app: String) {
        let remaining = counts[app, default: 1] - 1
        if remaining > 0 {
            counts[app] = remaining
            return
        }
        counts[app] = nil
        waiters.removeValue(forKey: app)?.forEach { $0.resume() }
    }
}

/// One request in flight; released (on the loop thread) with the exchange that holds it.
final class InFlightToken {
    private let app: String
    private let owner: InFlightRequests

    fileprivate init(app: String, owner: InFlightRequests) {
        self.app = app
        self.owner = owner
    }

    deinit { owner.end(app: app) }
}
