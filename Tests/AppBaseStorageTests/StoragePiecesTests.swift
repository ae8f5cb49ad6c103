import AppBaseCore
import Testing

@testable import AppBaseStorage

@Suite("Storage pieces")
struct StoragePiecesTests {
    static let secret = [UInt8](repeating: 7, count: 32)

    @Test func signedURLsVerifyOnlyAsSigned() throws {
        let signer = SignedURLSigner(app: "notes", masterSecret: Self.secret)
        let claims = SignedURLSigner.Claims(bucket: "docs", fileID: "0190a0b0-0000-7000-8000-000000000001", version: 3,
                                            generation: 1, expiresAt: 2_000)
        let url = signer.url(for: claims)
        let query = QueryPairs(url)
        let verified = try signer.verify(bucket: "docs", fileID: claims.fileID, version: query["v"], generation: query["g"], expiresAt: query["exp"],
                                         signature: query["sig"], nowSeconds: 1_999)
        #expect(verified == claims)
        #expect(throws: AppBaseError.self) {
            try signer.verify(bucket: "docs", fileID: claims.fileID, version: query["v"], generation: query["g"], expiresAt: query["exp"],
                              signature: query["sig"], nowSeconds: 2_000)
        }
        let otherApp = SignedURLSigner(app: "other", masterSecret: Self.secret)
        let otherSecret = SignedURLSigner(app: "notes", masterSecret: [UInt8](repeating: 8, count: 32))
        for signer in [otherApp, otherSecret] {
            do {
                _ = try signer.verify(bucket: "docs", fileID: claims.fileID, version: query["v"], generation: query["g"], expiresAt: query["exp"],
                                      signature: query["sig"], nowSeconds: 0)
                Issue.record("verified with the wrong key")
            } catch {
                #expect(error.code == .invalidSignature)
            }
        }
    }

    @Test func base64URLRoundTripsAndRejectsNonCanonicalText() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        #expect(Base64URL.encode(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw")
        #expect(Base64URL.decode("YW55IGNhcm5hbCBwbGVhcw==") == nil)
        #expect(Base64URL.decode("YW55+GNh") == nil)
        #expect(Base64URL.decode("YR") == nil)  // stray bits
        #expect(Base64URL.decode("Y") == nil)
    }

    @Test func listCursorRoundTrips() throws {
        let cursor = ListCursor(name: "naïve/ファイル.txt", id: "0190a0b0-0000-7000-8000-000000000001")
        #expect(try ListCursor(decoding: cursor.encoded) == cursor)
        for bad in ["", "zz", String(cursor.encoded.dropLast()), cursor.encoded.uppercased(), String(repeating: "0", count: 80)] {
            #expect(throws: AppBaseError.self) { try ListCursor(decoding: bad) }
        }
    }

    @Test func prefixUpperBoundCoversExactlyThePrefix() {
        #expect(FileCatalog.prefixUpperBound("") == nil)
        #expect(FileCatalog.prefixUpperBound("ab") == Array("ac".utf8))
        #expect(FileCatalog.prefixUpperBound("a/") == Array("a0".utf8))
        #expect(FileCatalog.prefixUpperBound("é") == [0xC3, 0xAA])
    }

    @Test func mediaTypePatterns() {
        #expect(MediaTypePattern("image/*")?.matches(essence: "image/png") == true)
        #expect(MediaTypePattern("image/*")?.matches(essence: "imagex/png") == false)
        #expect(MediaTypePattern("Application/PDF")?.matches(essence: "application/pdf") == true)
        for bad in ["image", "*/*", "image/", "/png", "image/png; q=1", "ima ge/png", "image/p*g"] {
            #expect(MediaTypePattern(bad) == nil, "\(bad)")
        }
    }

    @Test func declaredTypesAreNormalised() throws {
        #expect(try UploadGate.normalizedType(nil) == nil)
        #expect(try UploadGate.normalizedType("") == nil)
        #expect(try UploadGate.normalizedType("application/octet-stream") == nil)
        #expect(try UploadGate.normalizedType("Text/Plain; charset=UTF-8") == "text/plain; charset=utf-8")
        // Only the essence and a plain charset survive: what is served is what was decided on.
        #expect(try UploadGate.normalizedType("text/plain; x=1, text/html") == "text/plain")
        #expect(try UploadGate.normalizedType("text/plain; charset=\"utf-8, text/html\"") == "text/plain")
        #expect(try UploadGate.normalizedType("text/plain; name=\"é\"") == "text/plain")
        #expect(throws: AppBaseError.self) { try UploadGate.normalizedType("text") }
        #expect(throws: AppBaseError.self) { try UploadGate.normalizedType("text/<script>") }
    }

    @Test func gateChecksSizeQuotaAndTypeAsEarlyAsPossible() throws {
        let bucket = Bucket.implicit("docs", now: 0)
        var gate = UploadGate(maxBytes: 10, quotaAllowance: 5, bucket: bucket, declaredType: nil)
        #expect(throws: AppBaseError.self) { try gate.checkUpfront(declaredLength: 6) }
        try gate.accept([1, 2, 3, 4, 5])
        do {
            try gate.accept([6])
            Issue.record("accepted past the quota")
        } catch {
            #expect(error.code == .quotaExceeded)
        }
        var sized = UploadGate(maxBytes: 3, quotaAllowance: nil, bucket: bucket, declaredType: nil)
        do {
            try sized.accept([1, 2, 3, 4])
            Issue.record("accepted past the size limit")
        } catch {
            #expect(error.code == .payloadTooLarge)
        }
        var typed = UploadGate(maxBytes: 10_000, quotaAllowance: nil, bucket: bucket, declaredType: "image/gif")
        do {
            try typed.accept(Array(repeating: 0x41, count: 2_000))
            Issue.record("a GIF without its signature was accepted after 1024 bytes")
        } catch {
            #expect(error.code == .unsupportedMediaType)
        }
    }
}

/// Query items of a relative URL, undecoded.
private struct QueryPairs {
    var items: [String: String] = [:]
    init(_ url: String) {
        let query = url.split(separator: "?").last ?? ""
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { items[String(parts[0])] = String(parts[1]) }
        }
    }
    subscript(name: String) -> String? { items[name] }
}
