import AppBaseCore
@testable import AppBasePlatform
import Testing

/// The per-minute request counts behind `/admin/stats`: a ring per app, read as the last hour.
@Suite("RequestRateHistory")
struct RequestRateHistoryTests {
    static func summary(_ app: String, _ status: Int) -> RequestSummary {
        RequestSummary(app: app, method: "GET", route: "/x", status: status, durationMicros: 1)
    }

    @Test("counts requests, 4xx and 5xx per minute and app; the window is 60 minutes, oldest first")
    func countsPerMinute() {
        let clock = ManualWallClock(milliseconds: 1_700_000_000_000)
        let history = RequestRateHistory(clock: clock)
        history.record([Self.summary("a", 200), Self.summary("a", 404), Self.summary("a", 503), Self.summary("b", 200)])
        clock.advance(milliseconds: 60_000)
        history.record([Self.summary("a", 201)])
        let window = history.window(app: "a")
        let first: Int64 = 1_700_000_000_000 / 60_000
        #expect(window.count == 60)
        #expect(window.map(\.minute) == window.map(\.minute).sorted())
        #expect(window.last == RequestRateHistory.Minute(minute: first + 1, requests: 1))
        #expect(window[58] == RequestRateHistory.Minute(minute: first, requests: 3, clientErrors: 1, errors: 1))
        #expect(window.dropLast(2).allSatisfy { $0.requests == 0 })
        #expect(history.window(app: "b").reduce(0) { $0 + $1.requests } == 1)
        #expect(history.window(app: "unknown").allSatisfy { $0.requests == 0 })
    }

    @Test("a minute an hour old is not counted again when its slot comes round")
    func oldSlotsReadAsZero() {
        let clock = ManualWallClock(milliseconds: 1_700_000_000_000)
        let history = RequestRateHistory(clock: clock)
        history.record([Self.summary("a", 200), Self.summary("a", 200)])
        clock.advance(milliseconds: 60 * 60_000)
        #expect(history.window(app: "a").allSatisfy { $0.requests == 0 })
        history.record([Self.summary("a", 500)])
        #expect(history.window(app: "a").last == RequestRateHistory.Minute(minute: (1_700_000_000_000 + 3_600_000) / 60_000,
                                                                             requests: 1, errors: 1))
        history.reset("a")
        #expect(history.window(app: "a").allSatisfy { $0.requests == 0 })
    }
}
