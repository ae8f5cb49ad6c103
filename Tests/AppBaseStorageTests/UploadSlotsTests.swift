import AppBaseCore
import AppBaseTestSupport
import Testing

@testable import AppBaseStorage

/// Upload slots per user under the per-app limit (issue 12 §1): one user's slow uploads cannot
/// hold every slot of the app.
@Suite("Upload slots per user")
struct UploadSlotsTests {
    @Test("a holder's fifth upload is refused while another holder and admin uploads are admitted; release frees the slot")
    func perHolderBound() throws {
        var slots = UploadSlots(maxTotal: 6, maxPerUser: 4)
        for _ in 0..<4 { try slots.admit("user:a") }
        let refused = #expect(throws: AppBaseError.self) { try slots.admit("user:a") }
        #expect(refused?.status == 503)
        #expect(refused?.code == .serverBusy)
        #expect(refused?.retryAfterSeconds == 1)
        try slots.admit("user:b")
        try slots.admit(nil)
        #expect(slots.total == 6)
        // The app's bound now refuses everyone.
        #expect(throws: AppBaseError.self) { try slots.admit("user:c") }
        slots.release("user:a")
        try slots.admit("user:a")
        for _ in 0..<4 { slots.release("user:a") }
        slots.release("user:b")
        slots.release(nil)
        #expect(slots == UploadSlots(maxTotal: 6, maxPerUser: 4))
    }

    @Test("the per-user bound never exceeds the app's")
    func perUserWithinTotal() {
        #expect(UploadSlots(maxTotal: 2, maxPerUser: 4).maxPerUser == 2)
    }

    @Test("over HTTP: alice's fifth concurrent upload is 503 server_busy with Retry-After while bob's upload succeeds",
          .timeLimit(.minutes(2)))
    func fifthConcurrentUploadRefused() async throws {
        let app = try await StorageTestApp.start()
        // Four uploads that promise 100 KB and send 10 bytes: each holds one of alice's slots.
        var slow: [RawHTTPClient] = []
        for _ in 0..<4 {
            let head = StorageTestApp.head("POST", "/storage/buckets/docs/upload", caller: .alice,
                                           headers: [("Content-Length", "100000"), ("Content-Type", "application/octet-stream")])
            let client = try await app.connect()
            try await client.send(pieces: [head, [UInt8](repeating: 0x41, count: 10)], pause: .zero)
            slow.append(client)
        }
        try await app.waitUntil("alice's four uploads stream") { await $0.service.activeUploadCount == 4 }

        let fifth = try await app.upload(Array("fifth".utf8), as: .alice)
        #expect(fifth.status == 503)
        #expect(fifth.errorCode == "server_busy")
        #expect(fifth.header("retry-after") == "1")
        let bobs = try await app.upload(Array("bob's".utf8), as: .bob)
        #expect(bobs.status == 201)

        for client in slow { await client.reset() }
        try await app.waitForUploadsToEnd()
        // With her slots back, alice uploads again.
        #expect(try await app.upload(Array("again".utf8), as: .alice).status == 201)
        await app.stop()
    }
}
