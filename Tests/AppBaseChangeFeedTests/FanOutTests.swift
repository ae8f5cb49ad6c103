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
            let received = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for client in clients {
                    group.addTask {
                        try await client.events(until: { $0.seq == last }, timeout: .seconds(30)).compactMap(\.seq)
                    }
                }
                var all: [[Int64]] = []
                for try await sequences in group { all.append(sequences) }
                return all
            }
            let delivered = MonotonicTime.nanoseconds()
            #expect(received.count == subscribers)
            #expect(received.allSatisfy { $0 == written })
            print("fan-out (debug build): \(subscribers) subscribers × \(writes) writes; writes took "
                  + "\((acknowledged - started) / 1_000_000) ms, all delivered \((delivered - acknowledged) / 1_000_000) ms after the last ack")
            for client in clients { await client.close() }
        }
    }
}
