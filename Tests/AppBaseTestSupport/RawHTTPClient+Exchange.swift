extension RawHTTPClient {
    /// One request on a fresh connection to `127.0.0.1:port` (inside TLS with `tls`): sends `pieces` one by one
    /// (`pause` between them, so they arrive as separate segments), reads one response and closes.
    ///
    /// A send the server cut short by closing (`sendFailed`) is not an error here: a server that
    /// answers early and closes (413, 401 before the body) must still be heard, so the answer
    /// is read; only a connection closed without one throws.
    public static func exchange(port: Int, pieces: [[UInt8]], pause: Duration = .zero, method: String = "GET",
                                tls: TestTLS? = nil, timeout: Duration = defaultTimeout) async throws -> RawHTTPResponse {
        let client = try await connect(port: port, tls: tls, timeout: timeout)
        do {
            do {
                try await client.send(pieces: pieces, pause: pause, timeout: timeout)
            } catch RawHTTPClientError.sendFailed {
                // Answered and closed while we were still sending: read what came back.
            }
            let response = try await client.readResponse(method: method, timeout: timeout)
            await client.close()
            return response
        } catch {
            await client.close()
            throw error
        }
    }
}
