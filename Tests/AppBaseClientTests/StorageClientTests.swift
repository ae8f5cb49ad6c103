import AppBaseClient
import AppBaseTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing

@Suite("Swift SDK: storage")
struct StorageClientTests {
    @Test("upload with progress, list, download, signed URL, versions, restore, remove")
    func fileLifecycle() async throws {
        try await withServer { server in
            let (client, session) = try await server.signedInClient()
            let storage = client.storage
            let first = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            let reported = ProgressLog()
            let meta = try await storage.upload(bucket: "docs", data: first, name: "report.bin") { sent, _ in
                reported.record(sent)
            }
            #expect(meta.size == Int64(first.count))
            #expect(meta.name == "report.bin")
            #expect(meta.version == 1)
            #expect(meta.ownerId == session.user.id)
            let progress = reported.values
            #expect(progress.last == Int64(first.count))
            #expect(progress == progress.sorted())

            #expect(try await storage.download(bucket: "docs", id: meta.id) == first)
            let page = try await storage.list(bucket: "docs")
            #expect(page.items.map(\.id) == [meta.id])

            // A signed URL needs no key or token.
            let signed = try await storage.getURL(bucket: "docs", id: meta.id, expiresIn: 60)
            let (bytes, response) = try await URLSession.shared.data(from: signed.url)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(bytes == first)

            let second = Data("second version".utf8)
            let replaced = try await storage.replace(bucket: "docs", id: meta.id, data: second, contentType: "text/plain")
            #expect(replaced.version == 2)
            #expect(try await storage.versions(bucket: "docs", id: meta.id).map(\.version) == [2, 1])
            let restored = try await storage.restore(bucket: "docs", id: meta.id, version: 1)
            #expect(restored.version == 3)
            #expect(restored.sha256 == meta.sha256)
            #expect(try await storage.download(bucket: "docs", id: meta.id, version: 2) == second)

            try await storage.remove(bucket: "docs", id: meta.id)
            let gone = await #expect(throws: AppBaseError.self) { try await storage.download(bucket: "docs", id: meta.id) }
            #expect(gone?.code == "not_found")
        }
    }

    @Test("upload streams a file from disk")
    func uploadFile() async throws {
        try await withServer { server in
            let (client, _) = try await server.signedInClient()
            let directory = try TemporaryDirectory.make(prefix: "appbase-client-upload")
            defer { TemporaryDirectory.remove(directory) }
            let url = URL(fileURLWithPath: directory).appendingPathComponent("photo.txt")
            let contents = Data(repeating: 0x61, count: 70_000)
            try contents.write(to: url)
            let meta = try await client.storage.upload(bucket: "files", fileURL: url, contentType: "text/plain")
            #expect(meta.name == "photo.txt")
            #expect(meta.size == 70_000)
            #expect(meta.contentType == "text/plain")
            #expect(try await client.storage.download(bucket: "files", id: meta.id) == contents)
        }
    }
}

/// The byte counts an upload reported, in order.
final class ProgressLog: Sendable {
    private let sent = Mutex<[Int64]>([])

    func record(_ bytes: Int64) { sent.withLock { $0.append(bytes) } }

    var values: [Int64] { sent.withLock { $0 } }
}
