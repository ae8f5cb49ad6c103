import AppBaseCore
import Logging

/// How a handler's failure is logged, at the level that says what an operator must do about it.
///
/// - A client that went away (the handler's task cancelled, or a write to a closed connection) is
///   routine: `info`, with the method and route, and no error text.
/// - A refusal at a limit (503 `server_busy`, 503 `unavailable` while stopping, 429) is the server
///   protecting itself as configured: `notice`, with the code.
/// - Any other 5xx, and any error that is not an `AppBaseError`, is a fault: `error`.
/// - Other 4xx are the client's mistake and are not logged here (the access log has them).
enum RequestFailureLog {
    /// One log line: its level and message.
    struct Entry: Equatable {
        var level: Logger.Level
        var message: String
    }

    /// The line to log for `error` thrown while handling `method` `route`, or nil for none.
    static func entry(for error: any Error, method: String, route: String) -> Entry? {
        if isClientAbort(error) {
            return Entry(level: .info, message: "client went away during \(method) \(route)")
        }
        guard let appError = error as? AppBaseError else {
            return Entry(level: .error, message: "unexpected error in \(method) \(route): \(String(describing: error))")
        }
        if isRefusal(appError) {
            return Entry(level: .notice, message: "refused \(method) \(route): \(appError.status) \(appError.code.rawValue)")
        }
        guard appError.status >= 500 else { return nil }
        return Entry(level: .error, message: "request failed: \(appError)")
    }

    /// Whether `error` only says that the client is gone.
    static func isClientAbort(_ error: any Error) -> Bool {
        error is CancellationError || error is ConnectionClosedError
    }

    /// Whether `error` is a refusal at a configured limit rather than a fault.
    static func isRefusal(_ error: AppBaseError) -> Bool {
        error.status == 429 || (error.status == 503 && (error.code == .serverBusy || error.code == .unavailable))
    }
}

extension Logger {
    /// Logs `entry`, if there is one.
    func log(_ entry: RequestFailureLog.Entry?) {
        guard let entry else { return }
        log(level: entry.level, "\(entry.message)")
    }
}
