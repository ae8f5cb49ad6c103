import Testing

@testable import AppBaseHTTP

@Suite("HTTPDate")
struct HTTPDateTests {
    static let known: [(Int64, String)] = [
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_078_012_800, "Sun, 29 Feb 2004 00:00:00 GMT"),
        (1_234_567_890, "Fri, 13 Feb 2009 23:31:30 GMT"),
        (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
        (2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT"),
        (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
        (-62_135_596_800, "Mon, 01 Jan 0001 00:00:00 GMT"),
        (-2_208_988_800, "Mon, 01 Jan 1900 00:00:00 GMT"),
    ]

    @Test func formatsAndParsesKnownDates() {
        for (seconds, text) in Self.known {
            #expect(HTTPDate.format(seconds) == text)
            #expect(HTTPDate.parse(text) == seconds, "\(text)")
        }
    }

    @Test func roundTripsAcrossTheCalendar() {
        var seconds: Int64 = -62_135_596_800
        while seconds < 253_402_300_799 {
            #expect(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
            seconds += 86_400 * 97 + 3_601
        }
        // Every day of 1999-2001 (leap and century rules around 2000).
        for day in Int64(10_592)..<Int64(11_689) {
            #expect(HTTPDate.parse(HTTPDate.format(day * 86_400 + 45_296)) == day * 86_400 + 45_296)
        }
    }

    @Test func clampsOutOfRangeTimestamps() {
        #expect(HTTPDate.format(Int64.max) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDate.format(Int64.min) == "Mon, 01 Jan 0001 00:00:00 GMT")
    }

    @Test func parsesObsoleteFormats() {
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(HTTPDate.parse("Thu Jan 01 00:00:00 1970") == 0)
        #expect(HTTPDate.parse("Tuesday, 14-Nov-23 22:13:20 GMT") == 1_700_000_000)
        #expect(HTTPDate.parse("  Sun, 06 Nov 1994 08:49:37 GMT\t") == 784_111_777)
        #expect(HTTPDate.parse("Sat, 31 Dec 2016 23:59:60 GMT") == 1_483_228_800)  // leap second
    }

    @Test func rejectsMalformedDates() {
        let bad = [
            "", "garbage", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37", "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT", "sun, 06 Nov 1994 08:49:37 GMT", "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT", "Tue, 29 Feb 2100 00:00:00 GMT", "Thu, 31 Apr 2021 00:00:00 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08-49-37 GMT",
            "Sun, 06 Nov 1994 08:49:3a GMT", "Sun, 06 Nov 0000 08:49:37 GMT", "Sun,  06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 06 08:49:37 1994 GMT", "Sun Nov  6 8:49:37 1994",
            "Sunday, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT\u{0}",
        ]
        for text in bad {
            #expect(HTTPDate.parse(text) == nil, "\(text.debugDescription)")
        }
    }
}
