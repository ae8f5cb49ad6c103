import Testing

@testable import AppBaseHTTP

@Suite("ByteRange")
struct ByteRangeTests {
    @Test func satisfiableRanges() {
        let cases: [(String, Int, ByteRange)] = [
            ("bytes=0-499", 1000, .partial(start: 0, endInclusive: 499)),
            ("bytes=500-999", 1000, .partial(start: 500, endInclusive: 999)),
            ("bytes=0-0", 1000, .partial(start: 0, endInclusive: 0)),
            ("bytes=999-999", 1000, .partial(start: 999, endInclusive: 999)),
            ("bytes=500-", 1000, .partial(start: 500, endInclusive: 999)),
            ("bytes=0-", 1000, .partial(start: 0, endInclusive: 999)),
            ("bytes=0-", 1, .partial(start: 0, endInclusive: 0)),
            ("bytes=500-5000", 1000, .partial(start: 500, endInclusive: 999)),  // clamped
            ("bytes=0-99999999999999999999999", 1000, .partial(start: 0, endInclusive: 999)),  // saturates
            ("bytes=-500", 1000, .partial(start: 500, endInclusive: 999)),
            ("bytes=-1", 1000, .partial(start: 999, endInclusive: 999)),
            ("bytes=-1000", 1000, .partial(start: 0, endInclusive: 999)),
            ("bytes=-5000", 1000, .partial(start: 0, endInclusive: 999)),
            ("bytes=-99999999999999999999999", 10, .partial(start: 0, endInclusive: 9)),
            ("BYTES=1-2", 10, .partial(start: 1, endInclusive: 2)),
            ("  bytes = 1-2  ", 10, .partial(start: 1, endInclusive: 2)),
            ("bytes=\t1-2,", 10, .partial(start: 1, endInclusive: 2)),
            ("bytes=, 1-2 ,,", 10, .partial(start: 1, endInclusive: 2)),
            ("bytes=007-008", 10, .partial(start: 7, endInclusive: 8)),
        ]
        for (header, length, expected) in cases {
            #expect(ByteRange.parse(header, length: length) == expected, "\(header) for \(length)")
        }
    }

    @Test func unsatisfiableRanges() {
        let cases: [(String, Int)] = [
            ("bytes=1000-", 1000),
            ("bytes=1000-2000", 1000),
            ("bytes=5000-", 1000),
            ("bytes=99999999999999999999999-", 1000),
            ("bytes=-0", 1000),
            ("bytes=-000", 1000),
            ("bytes=0-", 0),
            ("bytes=0-0", 0),
            ("bytes=-1", 0),
            ("bytes=-0", 0),
        ]
        for (header, length) in cases {
            #expect(ByteRange.parse(header, length: length) == .unsatisfiable, "\(header) for \(length)")
        }
    }

    @Test func ignoredHeaders() {
        let cases: [String?] = [
            nil,
            "",
            "bytes",
            "bytes=",
            "bytes=-",
            "bytes=,",
            "bytes=abc",
            "bytes=a-b",
            "bytes=1-a",
            "bytes=+1-2",
            "bytes=-1-2",
            "bytes=1--2",
            "bytes=1 - 2",
            "bytes=0x10-0x20",
            "bytes=5-4",  // last < first: invalid
            "bytes=0-1,5-6",  // multiple ranges: ignored (no multipart/byteranges)
            "bytes=0-1, 2000-3000",
            "items=0-5",
            "pages=1-2",
            "=0-5",
            "0-5",
            "bytes=１-2",  // non-ASCII digit
        ]
        for header in cases {
            #expect(ByteRange.parse(header, length: 1000) == .full, "\(header ?? "nil")")
        }
        #expect(ByteRange.parse("bytes=5-4", length: 0) == .full)
    }

    @Test func contentRangeAndCount() {
        #expect(ByteRange.partial(start: 0, endInclusive: 499).contentRange(length: 1000) == "bytes 0-499/1000")
        #expect(ByteRange.unsatisfiable.contentRange(length: 1000) == "bytes */1000")
        #expect(ByteRange.full.contentRange(length: 1000) == nil)
        #expect(ByteRange.partial(start: 10, endInclusive: 19).count == 10)
        #expect(ByteRange.full.count == nil)
        #expect(ByteRange.unsatisfiable.count == nil)
    }
}
