import AppBaseCore
import AppBaseRuntime
import AppBaseTestSupport
import Testing
import AppBaseChangeFeed

@Suite("Fan-out")
struct FanOutTests {
    @Test("many subscribers each get every write, in order, once")
    func everyoneGetsEverything() async throws {
        try await FeedTestApp.with({ $0.maxStreamsPerUser = 100 }) { app in
            let subscribers = 40, writes = 50
            var clients: [ServerSentEventReader] = []
            for _ in 0..<subscribers { clients.append(try await app.subscribeReady().0) }
            var written: [Int64] = []
            let started = MonotonicTime.nanoseconds()
            for index in 0..<writes { written.append(try await app.create("r\(index)", #""n":\#(index)"#).seq) }
            let acknowledged = MonotonicTime.nanoseconds()
            let last = written.last
            // A subscriber the server cut off as too slow (a loaded machine can starve the test's
            // readers) resumes with Last-Event-ID, as a real client does: the property under test
            // is that every write arrives once and in order, not that no stream was ever cut.
            let port = app.port
            let (received, resumes) = try await withThrowingTaskGroup(of: ([Int64], Int).self) { group in
                for client in clients {
                    group.addTask {
                        var sequences: [Int64] = []
                        var lastID: String?
                        var reader = client
                        var resumed = 0
                        while true {
                            var ended = true
                            while let event = try await reader.next(timeout: .seconds(30)) {
                                if event.event == "create", let seq = event.seq { sequences.append(seq) }
                                if let id = event.id { lastID = id }
                                if event.seq == last { ended = false; break }
                            }
                            if !ended || resumed == 5 { break }
                            await reader.close()
                            resumed += 1
                            reader = try await ServerSentEventReader.open(
                                port: port, path: "/db/collections/notes/subscribe",
                                headers: [("X-Test-Caller", TestCaller.alice.rawValue)] + (lastID.map { [("Last-Event-ID", $0)] } ?? []))
                        }
                        await reader.close()
                        return (sequences, resumed)
                    }
                }
                var all: [[Int64]] = []
                var resumes = 0
                for try await (sequences, resumed) in group {
                    all.append(sequences)
                    resumes += resumed
                }
                return (all, resumes)
            }
            let delivered = MonotonicTime.nanoseconds()
            #expect(received.count == subscribers)
            #expect(received.allSatisfy { $0 == written })
            print("fan-out (debug build): \(subscribers) subscribers × \(writes) writes; writes took "
                  + "\((acknowledged - started) / 1_000_000) ms, all delivered \((delivered - acknowledged) / 1_000_000) ms after the last ack; "
                  + "\(resumes) streams resumed")
        }
    }
}
