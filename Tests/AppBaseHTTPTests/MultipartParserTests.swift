import AppBaseTestSupport
import Testing

@testable import AppBaseHTTP

@Suite("MultipartParser")
struct MultipartParserTests {
    static let fileContent = Array("%PDF-1.4\r\nline two\r\n--not-a-delimiter\r\n\r\n-- also not\rend".utf8)

    static let twoParts: [UInt8] = Multipart.body(
        [
            ("Content-Disposition: form-data; name=\"title\"\r\n", Array("Quarterly report".utf8)),
            (
                "Content-Disposition: form-data; name=\"file\"; filename=\"a b.pdf\"\r\nContent-Type: application/pdf\r\n",
                fileContent
            ),
        ], preamble: "This is the preamble.\r\n", epilogue: "\r\nThis is the epilogue.\r\n")

    static let expected = [
        ParsedPart(headers: MultipartPartHeaders(name: "title"), body: Array("Quarterly report".utf8)),
        ParsedPart(
            headers: MultipartPartHeaders(name: "file", filename: "a b.pdf", contentType: "application/pdf"),
            body: fileContent),
    ]

    @Test func parsesTwoPartsInOneChunk() throws {
        #expect(try Multipart.parse(Self.twoParts) == Self.expected)
    }

    @Test func everySplitPositionGivesIdenticalParts() throws {
        for split in 0...Self.twoParts.count {
            #expect(try Multipart.parse(Self.twoParts, splits: [split]) == Self.expected, "split at \(split)")
        }
    }

    @Test func oneByteChunksGiveIdenticalParts() throws {
        #expect(try Multipart.parse(Self.twoParts, chunkSize: 1) == Self.expected)
        for size in [2, 3, 5, 7, 13, 64] {
            #expect(try Multipart.parse(Self.twoParts, chunkSize: size) == Self.expected, "chunk size \(size)")
        }
    }

    @Test func everyPairOfSplitPositionsGivesIdenticalParts() throws {
        let body = Multipart.body(
            [("Content-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n", Array("a\r\n--b\r\n--bx\r".utf8))],
            boundary: "bb", preamble: "\r\n--bb-pre")
        let expected = [ParsedPart(headers: MultipartPartHeaders(name: "f", filename: "x"), body: Array("a\r\n--b\r\n--bx\r".utf8))]
        // "\r\n--bb-pre" in the preamble starts a line with the boundary: it is a delimiter followed
        // by garbage, which is malformed.
        #expect(throws: MultipartError.malformedDelimiter) { try Multipart.parse(body, boundary: "bb") }
        let valid = Array(body.dropFirst(10))
        for first in 0...valid.count {
            for second in first...valid.count {
                #expect(try Multipart.parse(valid, boundary: "bb", splits: [first, second]) == expected)
            }
        }
    }

    @Test func boundaryLikeSequencesInsideContentAreData() throws {
        let b = Multipart.boundary
        let tricky: [[UInt8]] = [
            Array("--\(b)".utf8),  // boundary not at the start of a line
            Array("x--\(b)--".utf8),
            Array("\r\n--\(b.dropLast())".utf8),  // a delimiter missing its last byte, at the end
            Array("\r\n--\(b.dropLast())X and more".utf8),
            Array("\r\r\n\r\n-\r\n--\r\n--\(b.prefix(5))\r".utf8),
            Array("\r".utf8),
            Array("\r\n".utf8),
            [],
            Array("\r\n--\(b.dropLast())\r\n--\(b.prefix(3))".utf8),
        ]
        for content in tricky {
            let body = Multipart.body([("Content-Disposition: form-data; name=\"c\"\r\n", content)])
            let expected = [ParsedPart(headers: MultipartPartHeaders(name: "c"), body: content)]
            for split in 0...body.count {
                #expect(try Multipart.parse(body, splits: [split]) == expected)
            }
            #expect(try Multipart.parse(body, chunkSize: 1) == expected)
        }
    }

    @Test func bodyBytesAreStreamedNotBuffered() throws {
        var parser = try MultipartParser(boundary: "xyz")
        var events = try parser.feed(Array("--xyz\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n".utf8))
        #expect(events == [.partStart(MultipartPartHeaders(name: "f"))])
        // A chunk without a possible delimiter start is emitted entirely.
        events = try parser.feed(Array(repeating: UInt8(ascii: "a"), count: 10_000))
        #expect(events == [.bodyBytes(Array(repeating: UInt8(ascii: "a"), count: 10_000))])
        // A chunk ending in a delimiter prefix holds back exactly that prefix.
        events = try parser.feed(Array("data\r\n--xy".utf8))
        #expect(events == [.bodyBytes(Array("data".utf8))])
        // The prefix was content after all: it is released with the next byte.
        events = try parser.feed(Array("Q".utf8))
        #expect(events == [.bodyBytes(Array("\r\n--xyQ".utf8))])
        events = try parser.feed(Array("\r".utf8))
        #expect(events.isEmpty)
        events = try parser.feed(Array("\r\n--xyz--".utf8))
        #expect(events == [.bodyBytes(Array("\r".utf8)), .partEnd, .end])
        try parser.finish()
        #expect(parser.isComplete)
    }

    @Test func largeRandomBodyInRandomChunks() throws {
        var rng = SeededGenerator(seed: 42)
        let b = Multipart.boundary
        // Random bytes salted with delimiter fragments (never a whole delimiter).
        var content: [UInt8] = []
        let fragments = [Array("\r\n--".utf8), Array("\r\n--\(b.prefix(20))".utf8), Array("\r\n--\(b.dropLast())".utf8), [0x0D]]
        while content.count < 1 << 20 {
            if UInt8.random(in: 0...31, using: &rng) == 0 {
                // A zero byte after each fragment keeps it from completing a delimiter by chance.
                content += fragments[Int.random(in: 0..<fragments.count, using: &rng)] + [0]
            } else {
                content.append(UInt8.random(in: 0...255, using: &rng))
            }
        }
        let body = Multipart.body([
            ("Content-Disposition: form-data; name=\"blob\"; filename=\"r.bin\"\r\n", content),
            ("Content-Disposition: form-data; name=\"tail\"\r\n", Array("end".utf8)),
        ])
        var splits: [Int] = []
        var offset = 0
        while true {
            offset += Int.random(in: 1...70_000, using: &rng)
            guard offset < body.count else { break }
            splits.append(offset)
        }
        let parts = try Multipart.parse(body, splits: splits)
        #expect(parts.count == 2)
        #expect(parts.first?.body == content)
        #expect(parts.last?.body == Array("end".utf8))
    }

    @Test func missingClosingDelimiterIsAnError() throws {
        let complete = Self.twoParts
        let closing = Array("--\(Multipart.boundary)--".utf8)
        guard let closeAt = complete.indices.last(where: { complete[$0...].starts(with: closing) }) else {
            Issue.record("closing delimiter not found")
            return
        }
        for cut in [0, 10, 60, closeAt, closeAt + closing.count - 1] {
            var parser = try MultipartParser(boundary: Multipart.boundary)
            _ = try parser.feed(Array(complete[..<cut]))
            #expect(throws: MultipartError.missingClosingDelimiter) { try parser.finish() }
            #expect(!parser.isComplete)
        }
    }

    @Test func headerBlockTooLarge() throws {
        let big = "Content-Disposition: form-data; name=\"f\"\r\nX-Pad: \(String(repeating: "p", count: 9000))\r\n"
        let body = Multipart.body([(big, Array("x".utf8))])
        #expect(throws: MultipartError.headerTooLarge(limit: 8192)) { try Multipart.parse(body) }
        #expect(throws: MultipartError.headerTooLarge(limit: 8192)) { try Multipart.parse(body, chunkSize: 100) }
        // Exactly at the limit (counting the CRLFs of every line and the empty line) is fine.
        let base = "Content-Disposition: form-data; name=\"f\"\r\nX-Pad: \r\n\r\n".utf8.count
        let exact = "Content-Disposition: form-data; name=\"f\"\r\nX-Pad: \(String(repeating: "p", count: 8192 - base))\r\n"
        #expect(try Multipart.parse(Multipart.body([(exact, [])])).count == 1)
    }

    @Test func tooManyParts() throws {
        let part = ("Content-Disposition: form-data; name=\"p\"\r\n", Array("v".utf8))
        #expect(try Multipart.parse(Multipart.body(Array(repeating: part, count: 16))).count == 16)
        #expect(throws: MultipartError.tooManyParts(limit: 16)) {
            try Multipart.parse(Multipart.body(Array(repeating: part, count: 17)))
        }
        #expect(throws: MultipartError.tooManyParts(limit: 2)) {
            try Multipart.parse(Multipart.body(Array(repeating: part, count: 3)), maxParts: 2)
        }
    }

    @Test func zeroPartsAndEpilogue() throws {
        #expect(try Multipart.parse(Array("--\(Multipart.boundary)--".utf8)) == [])
        let withEpilogue = Multipart.body(
            [("Content-Disposition: form-data; name=\"a\"\r\n", Array("1".utf8))],
            epilogue: "\r\n--\(Multipart.boundary)\r\ngarbage \r\n\u{0}")
        #expect(try Multipart.parse(withEpilogue) == [ParsedPart(headers: MultipartPartHeaders(name: "a"), body: Array("1".utf8))])
    }

    @Test func transportPaddingAfterDelimiterIsAllowed() throws {
        let body = Array("--xx \t \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--xx\t\r\n".utf8)
            + Array("Content-Disposition: form-data; name=\"b\"\r\n\r\n\r\n--xx--  \r\n".utf8)
        let parts = try Multipart.parse(body, boundary: "xx")
        #expect(parts.map(\.headers.name) == ["a", "b"])
        #expect(parts.map(\.body) == [Array("v".utf8), []])
    }

    @Test func malformedFraming() throws {
        let disposition = "Content-Disposition: form-data; name=\"a\""
        let cases: [(String, MultipartError)] = [
            ("--xxGARBAGE\r\n\(disposition)\r\n\r\nv\r\n--xx--", .malformedDelimiter),
            ("--xx\r\n\(disposition)\r\n\r\nv\r\n--xx-x", .malformedDelimiter),
            ("--xx\n\(disposition)\r\n\r\nv\r\n--xx--", .malformedDelimiter),
            ("--xx\r\n\(disposition)\n\nv\r\n--xx--", .bareLineEnding),
            ("--xx\r\n\(disposition)\r\rv\r\n--xx--", .bareLineEnding),
            ("--xx\r\nContent-Type: text/plain\r\n\r\nv\r\n--xx--", .missingContentDisposition),
            ("--xx\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--xx--", .missingContentDisposition),
            ("--xx\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nv\r\n--xx--", .missingContentDisposition),
            ("--xx\r\n\(disposition)\r\n\(disposition)\r\n\r\nv\r\n--xx--", .malformedHeader("repeated Content-Disposition")),
            ("--xx\r\nno colon here\r\n\r\nv\r\n--xx--", .malformedHeader("a header line has no ':'")),
            ("--xx\r\n\(disposition); name=\"b\"\r\n\r\nv\r\n--xx--", .malformedHeader("repeated Content-Disposition parameter")),
            ("--xx\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--xx--", .malformedHeader("unparseable Content-Disposition")),
            ("--xx\r\n\(disposition)\r\nX-Bad: a\u{1}b\r\n\r\nv\r\n--xx--", .malformedHeader("control character in a header value")),
        ]
        for (text, error) in cases {
            #expect(throws: error, "\(text.debugDescription)") { try Multipart.parse(Array(text.utf8), boundary: "xx") }
            #expect(throws: error, "\(text.debugDescription)") { try Multipart.parse(Array(text.utf8), chunkSize: 1, boundary: "xx") }
        }
        let invalidUTF8 = Array("--xx\r\nContent-Disposition: form-data; name=\"".utf8) + [0xFF] + Array("\"\r\n\r\n\r\n--xx--".utf8)
        #expect(throws: MultipartError.malformedHeader("header value is not valid UTF-8")) {
            try Multipart.parse(invalidUTF8, boundary: "xx")
        }
    }

    @Test func errorsAreSticky() throws {
        var parser = try MultipartParser(boundary: "xx")
        #expect(throws: MultipartError.malformedDelimiter) { try parser.feed(Array("--xx!".utf8)) }
        #expect(throws: MultipartError.malformedDelimiter) { try parser.feed(Array("\r\n".utf8)) }
        #expect(throws: MultipartError.malformedDelimiter) { try parser.finish() }
    }

    @Test func dispositionParameters() throws {
        func headers(_ disposition: String, contentType: String? = nil) throws -> MultipartPartHeaders? {
            let typeLine = contentType.map { "Content-Type: \($0)\r\n" } ?? ""
            let body = Multipart.body([("Content-Disposition: \(disposition)\r\n\(typeLine)", [])])
            return try Multipart.parse(body).first?.headers
        }
        #expect(try headers("form-data; name=\"file\"; filename=\"a b.pdf\"")?.filename == "a b.pdf")
        #expect(try headers("Form-Data;name=file;FILENAME=plain.txt")?.filename == "plain.txt")
        #expect(try headers("form-data; name=\"f\"; filename=\"say \\\"hi\\\".txt\"")?.filename == "say \"hi\".txt")
        #expect(try headers("form-data; name=\"f\"; filename=\"C:\\Users\\me\\a.txt\"")?.filename == "C:\\Users\\me\\a.txt")
        #expect(try headers("form-data; name=\"f\"; filename=\"naïve 😀.txt\"")?.filename == "naïve 😀.txt")
        #expect(try headers("form-data; name=\"f\"; filename=\"\"")?.filename == "")
        #expect(try headers("form-data; name=\"f\"")?.isFile == false)
        let extended = try headers("form-data; name=\"f\"; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve%20%F0%9F%98%80.txt")
        #expect(extended?.filename == "naïve 😀.txt")
        #expect(try headers("form-data; name=\"f\"; filename*=utf-8'en'%E2%82%AC%20rates")?.filename == "€ rates")
        #expect(try headers("form-data; name=\"f\"; filename*=ISO-8859-1''%A3%20rates")?.filename == "£ rates")
        for bad in ["UTF-8''%ZZ", "UTF-8''%C3", "KOI8-R''abc", "no-quotes", "UTF-8''a b", "UTF-8''%FF"] {
            #expect(throws: MultipartError.malformedHeader("invalid filename* (RFC 5987)")) {
                try headers("form-data; name=\"f\"; filename*=\(bad)")
            }
        }
        let typed = try headers("form-data; name=\"f\"; filename=\"a.png\"", contentType: " image/png ")
        #expect(typed?.contentType == "image/png")
        let folded = Multipart.body([("Content-Disposition: form-data;\r\n name=\"folded\"\r\n", [])])
        #expect(try Multipart.parse(folded).first?.headers.name == "folded")
    }

    @Test func boundaryFromContentType() throws {
        #expect(try MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(try MultipartParser.boundary(fromContentType: "Multipart/Form-Data;BOUNDARY=\"a b:c?\"") == "a b:c?")
        #expect(try MultipartParser.boundary(fromContentType: "multipart/form-data; charset=utf-8; boundary=----x") == "----x")
        let seventy = String(repeating: "z", count: 70)
        #expect(try MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=\(seventy)") == seventy)
        let failures: [(String, MultipartError)] = [
            ("application/json", .notMultipartFormData("application/json")),
            ("multipart/mixed; boundary=abc", .notMultipartFormData("multipart/mixed")),
            ("multipart/form-data", .invalidBoundary("missing boundary parameter")),
            ("multipart/form-data; boundary=", .invalidBoundary("empty boundary")),
            ("multipart/form-data; boundary=\"\"", .invalidBoundary("empty boundary")),
            ("multipart/form-data; boundary=\(seventy)z", .invalidBoundary("longer than 70 characters")),
            ("multipart/form-data; boundary=\"ab \"", .invalidBoundary("ends with a space")),
            ("multipart/form-data; boundary=a@b", .invalidBoundary("character not allowed by RFC 2046")),
            ("multipart/form-data; boundary=\"a\\\"b\"", .invalidBoundary("character not allowed by RFC 2046")),
            ("multipart/form-data; boundary=é", .invalidBoundary("character not allowed by RFC 2046")),
            ("multipart/form-data; boundary=a; boundary=b", .invalidBoundary("repeated Content-Type parameter")),
            ("multipart/form-data; boundary", .invalidBoundary("unparseable Content-Type parameters")),
        ]
        for (contentType, error) in failures {
            #expect(throws: error, "\(contentType)") { try MultipartParser.boundary(fromContentType: contentType) }
        }
        #expect(throws: MultipartError.invalidBoundary("character not allowed by RFC 2046")) {
            try MultipartParser(boundary: "a\r\nb")
        }
    }

    @Test func errorMessagesAreReadable() {
        #expect(MultipartError.headerTooLarge(limit: 8192).message == "Multipart part headers exceed the limit of 8192 bytes.")
        #expect(MultipartError.missingClosingDelimiter.description.contains("closing boundary"))
    }

    @Test func byteSearchMatchesNaiveScan() {
        var rng = SeededGenerator(seed: 7)
        for length in 0..<80 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 10...14, using: &rng) }
            bytes.withUnsafeBytes { buffer in
                for start in 0...length {
                    let naive = bytes[start...].firstIndex(of: 0x0D)
                    #expect(ByteSearch.firstIndex(of: 0x0D, in: buffer, from: start) == naive)
                }
            }
        }
        #expect(ByteSearch.firstIndex(of: 0x0D, in: UnsafeRawBufferPointer(start: nil, count: 0), from: 0) == nil)
    }
}
