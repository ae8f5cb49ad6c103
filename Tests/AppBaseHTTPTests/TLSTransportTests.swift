import AppBaseHTTP
import AppBaseTestSupport
import Testing

/// What only TLS has: what the handshake settles on, and refusals at a cap on a port where the
/// first bytes decide the protocol. Everything else runs over TLS in the other suites
/// (`TestTransport`).
@Suite("TLS transport", .timeLimit(.minutes(2)))
struct TLSTransportTests {
    @Test("TLS 1.3 with ALPN http/1.1 and AES-128-GCM, the server's first choice")
    func negotiation() async throws {
        try await withTestServer(transport: .tls) { server in
            let client = try await server.connect()
            let negotiated = try #require(await client.tlsNegotiated)
            #expect(negotiated.version == "TLSv1.3")
            #expect(negotiated.alpn == "http/1.1")
            #expect(negotiated.cipher == "TLS_AES_128_GCM_SHA256")
            try await client.send(RawRequest.make("GET", "/health"))
            #expect(try await client.readResponse().status == 200)
            await client.close()
        }
    }

    @Test("at a full cap on a TLS port, each refused client reads its 503 in its own protocol; a silent one is closed")
    func refusalSpeaksTheClientsProtocol() async throws {
        let limits = HTTPLimits.test {
            $0.maxConnections = 1
            // The silent client's wait. Handshakes must fit too, counted from the accept: a
            // debug build's handshake beside the whole parallel suite on a busy 2-core CI
            // machine took over 2 s, and the refused client then read nothing.
            $0.headerTimeoutMillis = 10_000
        }
        try await withTestServer(limits: limits, transport: .tls) { server in
            // The one slot, busy (its handler parked), so it cannot be reaped.
            let holder = try await server.connect()
            try await holder.send(RawRequest.make("GET", "/wait"))
            #expect(await server.events.wait(for: "wait-started"))

            // TLS, without sending anything: the handshake completes and the 503 follows inside it.
            let secure = try await server.connect()
            let refused = try await secure.readResponse()
            #expect(refused.status == 503)
            #expect(refused.errorCode == "server_busy")
            #expect(refused.closesConnection)
            #expect(await secure.waitForClose().isClosed)

            // Plain, with a request: the same answer in plain HTTP.
            let plain = try await RawHTTPClient.connect(port: server.port)
            try? await plain.send(RawRequest.make("GET", "/health"))
            let plainRefusal = try await plain.readResponse()
            #expect(plainRefusal.status == 503)
            #expect(plainRefusal.errorCode == "server_busy")

            // Silent: nothing tells which protocol to answer in; closed after the header timeout.
            let silent = try await RawHTTPClient.connect(port: server.port)
            guard case .closed(_, let trailing) = await silent.waitForClose(timeout: .seconds(60)) else {
                Issue.record("a silent refused connection was never closed")
                return
            }
            #expect(trailing.isEmpty)

            // The holder is unaffected.
            server.gate.open()
            #expect(try await holder.readResponse().status == 200)
            for client in [holder, secure, plain, silent] { await client.close() }
        }
    }
}
