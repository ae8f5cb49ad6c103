@testable import AppBaseHTTP
import AppBaseTestSupport
import CLibUV
import Dispatch
import Testing

/// The listener's accept budget (ADR 0045): a backlog larger than one turn's budget is taken
/// over several turns, and every connection of it is served.
@Suite("Accept budget per loop turn", .timeLimit(.minutes(2)))
struct AcceptBudgetTests {
    @Test("a backlog of 100 connections is accepted at most 32 per turn, and every one is served")
    func backlogSpreadsOverTurns() async throws {
        try await withTestServer { server in
            let backlog = 100
            // Hold the loop thread so the kernel queues the connections on the listening socket.
            let release = DispatchSemaphore(value: 0)
            await withCheckedContinuation { (held: CheckedContinuation<Void, Never>) in
                server.loop.execute {
                    held.resume()
                    release.wait()
                }
            }
            var clients: [RawHTTPClient] = []
            do {
                for _ in 0..<backlog { clients.append(try await server.connect()) }
            } catch {
                release.signal()
                throw error
            }
            release.signal()

            for client in clients { try await client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n") }
            for client in clients { #expect(try await client.readResponse().status == 200) }

            let bursts = try #require(await server.server.acceptBursts(port: server.port))
            #expect(bursts.largestTurn <= Listener.maxAcceptsPerTurn, "no turn accepted more than the budget")
            // libuv up to 1.44 accepts a whole backlog in one callback, which the budget cuts into
            // turns; 1.45 and later accept one connection per poll event, so the budget never runs out.
            if uv_version() < 0x01_2D_00 {
                #expect(bursts.largestTurn == Listener.maxAcceptsPerTurn, "the held backlog filled a whole turn's budget")
                // 100 = 3 × (32 + the one held back at the turn's end) + 1: three budgets spent. Far
                // more would mean turns were not told apart (each taking one connection).
                #expect((3...6).contains(bursts.budgetsSpent), "the rest waited for later turns: \(bursts.budgetsSpent)")
            }
        }
    }
}
