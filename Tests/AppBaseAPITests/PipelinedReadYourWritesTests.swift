import AppBaseCore
import AppBasePlatform
import AppBaseTestSupport
import OrderedCollections
import Testing

/// GET by id is answered on the loop in a read transaction shared by the loop turn's point reads
/// (ADR 0025). End to end, a GET pipelined behind a PATCH on one connection must read what the
/// PATCH wrote, while other connections keep the loop's turns full of reads of the same record
/// (a snapshot that outlived its turn fails this at once). The narrower case — a write
/// acknowledged in the same turn as an open snapshot — depends on timing the test cannot force;
/// `InlineSnapshotSharingTests` covers it directly.
@Suite("Pipelined read-your-writes", .timeLimit(.minutes(2)))
struct PipelinedReadYourWritesTests {
    static let rounds = 40

    @Test("every GET pipelined behind a PATCH reads what the PATCH wrote")
    func getBehindPatchSeesIt() async throws {
        let server = try await LiveServer.start()
        defer { Task { await server.stop() } }
        let port = try #require(server.ports.apps["alpha"])
        let admin = try #require(server.keys["alpha"]).admin
        let headers = [("X-API-Key", admin), ("Content-Type", "application/json")]

        let writer = try await RawHTTPClient.connect(port: port)
        try await writer.send(RawRequest.make("POST", "/db/collections/notes", headers: headers, body: Array(#"{"n":0}"#.utf8)))
        let created = try await writer.readResponse(method: "POST")
        #expect(created.status == 201)
        let record = try JSONParser.parse(String(decoding: created.body, as: UTF8.self))
        let id = try #require(record.objectValue?["id"]?.stringValue)
        let path = "/db/collections/notes/\(id)"

        // Other connections read the record meanwhile, 16 pipelined GETs at a time: most loop
        // turns begin with reads, so a snapshot is open when the PATCH's answer is written.
        let readers = (0..<4).map { _ in
            Task {
                let client = try await RawHTTPClient.connect(port: port)
                let burst = (0..<16).flatMap { _ in RawRequest.make("GET", path, headers: [("X-API-Key", admin)]) }
                for _ in 0..<100 where !Task.isCancelled {
                    try await client.send(burst)
                    _ = try await client.readResponses(methods: Array(repeating: "GET", count: 16))
                }
                await client.close()
            }
        }
        var request: [UInt8] = []
        var methods: [String] = []
        for round in 1...Self.rounds {
            request += RawRequest.make("GET", path, headers: [("X-API-Key", admin)])
            request += RawRequest.make("PATCH", path, headers: headers, body: Array(#"{"n":\#(round)}"#.utf8))
            request += RawRequest.make("GET", path, headers: [("X-API-Key", admin)])
            methods += ["GET", "PATCH", "GET"]
        }
        try await writer.send(request)
        let answers = try await writer.readResponses(methods: methods, timeout: .seconds(60))
        for reader in readers {
            reader.cancel()
            _ = try? await reader.value
        }
        await writer.close()

        #expect(answers.count == methods.count)
        var stale: [String] = []
        for round in 1...Self.rounds {
            let patch = answers[(round - 1) * 3 + 1], get = answers[(round - 1) * 3 + 2]
            #expect(patch.status == 200 && get.status == 200)
            let n = try JSONParser.parse(String(decoding: get.body, as: UTF8.self)).objectValue?["n"]
            if n != .int(Int64(round)) { stale.append("round \(round): \(String(describing: n))") }
        }
        #expect(stale.isEmpty, "GETs behind a PATCH read an older value: \(stale)")
    }
}
