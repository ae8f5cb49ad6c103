@testable import AppBaseHTTP
import Testing

/// The per-request pieces the loop computes before routing: the target's path and query, the
/// path's segments, header lookups and the matched route's parameters.
@Suite("Request parts: target, segments, header names, path parameters")
struct RequestPartsTests {
    @Test("the target splits at the first ?, drops a fragment, and refuses control bytes and spaces",
          arguments: [("/a/b", "/a/b", ""), ("/a?x=1&y=2", "/a", "x=1&y=2"), ("/a?x=1#frag", "/a", "x=1"),
                      ("/a#frag?x=1", "/a", ""), ("/a?x=1?y", "/a", "x=1?y"), ("/?", "/", ""),
                      ("http://host:8080/p?q", "/p", "q"), ("http://host", "/", ""), ("*", "*", "")])
    func target(raw: String, path: String, query: String) throws {
        let target = try #require(RequestTarget(Array(raw.utf8)))
        #expect(target.path == path, "\(raw)")
        #expect(target.query == query, "\(raw)")
    }

    @Test("a target with a control byte, a space or DEL, or no slash, is refused",
          arguments: ["/a b", "/a\u{01}", "/a?\u{7F}", "", "nohost", "/a#\t"])
    func refusedTarget(raw: String) {
        #expect(RequestTarget(Array(raw.utf8)) == nil, "\(raw)")
    }

    @Test("segments skip empty ones and keep bytes beyond ASCII",
          arguments: [("/", [String]()), ("", []), ("///", []), ("/a", ["a"]), ("//a//b/", ["a", "b"]),
                      ("a/b", ["a", "b"]), ("/db/collections/notes/r1", ["db", "collections", "notes", "r1"]),
                      ("/é/ü%20", ["é", "ü%20"])])
    func segments(path: String, expected: [String]) {
        #expect(Router.segments(of: path).map(String.init) == expected, "\(path)")
    }

    @Test("header names match ASCII case-insensitively, and only letters fold")
    func headerNames() {
        #expect(HTTPHeaders.namesMatch("content-type", "Content-Type"))
        #expect(HTTPHeaders.namesMatch("X-API-KEY", "x-api-key"))
        #expect(!HTTPHeaders.namesMatch("content-type", "content-typ"))
        #expect(!HTTPHeaders.namesMatch("etag", "etah"))
        // `[` (0x5B) and `{` (0x7B) differ by 0x20 but are not letters.
        #expect(!HTTPHeaders.namesMatch("a[", "a{"))
        #expect(HTTPHeaders.namesMatch("", ""))
        let headers = HTTPHeaders([("accept", "*/*"), ("if-none-match", "\"3\""), ("If-None-Match", "\"4\"")])
        #expect(headers["IF-NONE-MATCH"] == "\"3\"")
        #expect(headers.values("if-none-match") == ["\"3\"", "\"4\""])
        #expect(headers["if-match"] == nil)
    }

    @Test("path parameters are found by name, in pattern order")
    func parameters() throws {
        let pattern: [PathSegment] = [.literal("c"), .parameter("collection"), .parameter("id")]
        let parameters = try #require(Router.match(pattern, ["c", "notes", "r%201"]))
        #expect(parameters.count == 2)
        #expect(parameters["collection"] == "notes")
        #expect(parameters["id"] == "r 1")
        #expect(parameters["other"] == nil)
        #expect(Router.match(pattern, ["d", "notes", "r1"]) == nil)
        #expect(Router.match(pattern, ["c", "notes", "%FF"]) == nil)
        #expect(Router.match([.literal("health")], ["health"])?.count == 0)
    }

    @Test("a response field value loses any CR and LF; clean values are copied as they are")
    func responseFieldValues() {
        let headers = HTTPHeaders([("ETag", "\"7\""), ("X-Note", "a\r\nSet-Cookie: x=1\nb")])
        var head = ResponseHead(status: 200, headers: headers, keepAlive: true, http10: false, requestID: "r1",
                                date: Array("Date: x\r\n".utf8))
        head.setContentLength(2, omitForStatus: true)
        let text = String(decoding: head.encoded(body: Array("{}".utf8)), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nETag: \"7\"\r\nX-Note: aSet-Cookie: x=1b\r\nContent-Length: 2\r\n"))
        #expect(text.hasSuffix("\r\n\r\n{}"))
        #expect(!text.contains("\r\nSet-Cookie"))
    }
}
