import AppBaseCore
@testable import AppBaseHTTP
import Logging
import Testing

/// Logs that do not mislead an operator (issue 12 §5): a client that went away is routine, a
/// refusal at a limit is a notice, only faults are errors.
@Suite("Request failure log levels")
struct RequestFailureLogTests {
    @Test("a client abort is info with the method and route, and no error text", arguments: [
        CancellationError() as any Error, ConnectionClosedError() as any Error,
    ])
    func clientAbort(_ error: any Error) throws {
        let entry = try #require(RequestFailureLog.entry(for: error, method: "POST", route: "/storage/buckets/:bucket/upload"))
        #expect(entry.level == .info)
        #expect(entry.message == "client went away during POST /storage/buckets/:bucket/upload")
        #expect(!entry.message.contains("Error"))
    }

    @Test("refusals at a limit are notices with their code", arguments: [
        (AppBaseError.serverBusy(retryAfterSeconds: 1, "Too many uploads in progress; retry later."), "503 server_busy"),
        (AppBaseError.rateLimited(retryAfterSeconds: 5), "429 rate_limited"),
        (AppBaseError(status: 503, code: .unavailable, message: "Storage is shutting down.", retryAfterSeconds: 5), "503 unavailable"),
    ])
    func refusals(_ error: AppBaseError, _ shown: String) throws {
        let entry = try #require(RequestFailureLog.entry(for: error, method: "POST", route: "/auth/login"))
        #expect(entry.level == .notice)
        #expect(entry.message == "refused POST /auth/login: \(shown)")
    }

    @Test("a 5xx fault and an unknown error stay errors; a 4xx is not logged here")
    func faults() throws {
        let internalError = AppBaseError(status: 500, code: .internalError, message: "Internal error.")
        #expect(RequestFailureLog.entry(for: internalError, method: "GET", route: "/x")?.level == .error)
        struct Broken: Error {}
        let unknown = try #require(RequestFailureLog.entry(for: Broken(), method: "GET", route: "/x"))
        #expect(unknown.level == .error)
        #expect(unknown.message.hasPrefix("unexpected error in GET /x"))
        #expect(RequestFailureLog.entry(for: AppBaseError.notFound("No."), method: "GET", route: "/x") == nil)
    }
}
