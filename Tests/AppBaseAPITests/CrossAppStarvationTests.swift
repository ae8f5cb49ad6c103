import AppBaseCore
import AppBaseHTTP
import AppBasePlatform
import AppBaseTestSupport
import Testing

/// One client attacking one app cannot starve another app: idle connections at the caps and
/// bodies that trickle byte by byte on `alpha`, while every request to `beta` (by its own port
/// and by host name on the master port) is served. Bounded: a few dozen sockets, under 30 s.
@Suite("Cross-app starvation", .timeLimit(.minutes(2)))
struct CrossAppStarvationTests {
    @Test("idle connections and slow bodies at alpha's caps leave beta serving every request")
    func attackOnOneAppLeavesTheOtherServing() async throws {
        let server = try await LiveServer.start { configuration in
            configuration.limits.maxConnections = 96
            configuration.limits.maxConnectionsPerAddress = 64
            configuration.limits.maxConnectionsPerAddressPerPort = 24
            configuration.limits.reservedConnectionsPerPort = 16
            configuration.limits.requestTimeoutMillis = 1_000
        }
        defer { Task { await server.stop() } }
        let alpha = try #require(server.ports.apps["alpha"])
        let beta = try #require(server.ports.apps["beta"])
        let alphaKey = try #require(server.keys["alpha"]).client

        // Attack 1: far more idle connections than the whole server holds (96); the excess is refused or reaps
        // the attacker's own oldest idle connections.
        var idle: [RawHTTPClient] = []
        for _ in 0..<120 {
            if let client = try? await RawHTTPClient.connect(port: alpha) { idle.append(client) }
        }
        // Attack 2: bodies that promise 4 KB and trickle.
        var slow: [RawHTTPClient] = []
        for _ in 0..<12 {
            guard let client = try? await RawHTTPClient.connect(port: alpha) else { continue }
            try? await client.send(RawRequest.make("POST", "/auth/register",
                                                   headers: [("X-API-Key", alphaKey), ("Content-Type", "application/json"),
                                                             ("Content-Length", "4000")]) + Array(#"{"email":"#.utf8))
            slow.append(client)
        }
        let trickle = Task {
            for round in 0..<40 where !Task.isCancelled {
                for client in slow { try? await client.send([UInt8(ascii: "x")]) }
                try? await Task.sleep(for: .milliseconds(50))
                _ = round
            }
        }

        // Meanwhile beta serves every request, on its port and by host name on the master port.
        var statuses: [Int] = []
        for index in 0..<40 {
            let port = index.isMultiple(of: 2) ? beta : server.ports.master
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send(RawRequest.make("GET", "/health", headers: [("Host", "api.beta.appbase.local")]))
            statuses.append(try await client.readResponse().status)
            await client.close()
        }
        #expect(statuses.allSatisfy { $0 == 200 }, "beta answered \(statuses)")

        // The trickling bodies met the overall request deadline: 408, not a slot held for minutes.
        trickle.cancel()
        var answers: [String] = []
        for client in slow {
            do {
                answers.append(String(try await client.readResponse(method: "POST", timeout: .seconds(20)).status))
            } catch {
                answers.append("\(error)")
            }
        }
        #expect(answers.contains("408"), "no trickling body was ended by the request deadline: \(answers)")
        for client in idle + slow { await client.close() }
    }
}
