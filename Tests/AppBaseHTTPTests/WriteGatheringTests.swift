@testable import AppBaseHTTP
import CLibUV
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Write gathering (ADR 0043): small writes made during one loop turn reach the socket
/// together at the turn's end, in call order, each answered by one report; a large write or a
/// close sends what was gathered first.
@Suite("Write gathering", .timeLimit(.minutes(1)))
struct WriteGatheringTests {
    @Test("small writes wait for the end of the turn; a large one sends them first; order and reports are kept")
    func gathersUntilTurnEnd() async throws {
        let loop = EventLoop(name: "gathering-test")
        defer { loop.stop() }
        let pair = try await LoopbackPair.open(on: loop)
        defer { close(pair.client) }
        let large = [UInt8](repeating: UInt8(ascii: "x"), count: TCPTransport.gatherMaxWrite + 1)
        let seen = try await loop.run { [transport = pair.transport, recorder = pair.recorder, client = pair.client] in
            let transport = transport.value
            _ = transport.write(Self.bytes("one"))
            _ = transport.write(Self.bytes("two"))
            let queuedWhileGathered = transport.queuedBytes
            let onSocketBefore = Self.pendingBytes(client)
            let reportsBefore = recorder.value.reports.count
            _ = large.withUnsafeBytes { transport.write($0) }
            let onSocketAfterLarge = Self.pendingBytes(client)
            _ = transport.write(Self.bytes("three"))
            return (queuedWhileGathered, onSocketBefore, reportsBefore, onSocketAfterLarge)
        }
        #expect(seen.0 == 6, "gathered bytes count as queued, so backpressure still sees them")
        #expect(seen.1 == 0, "nothing reaches the socket before the turn ends")
        #expect(seen.2 == 0, "no write is reported before its bytes are out")
        #expect(seen.3 >= 6, "a large write sends what was gathered ahead of it")

        let expected = Array("onetwo".utf8) + large + Array("three".utf8)
        let received = try LoopbackPair.read(pair.client, count: expected.count)
        #expect(received == expected)
        let reports = try await loop.run { [recorder = pair.recorder] in recorder.value.reports }
        #expect(reports == [true, true, true, true])
        let queuedAfter = try await loop.run { [transport = pair.transport] in
            let queued = transport.value.queuedBytes
            transport.value.close(graceful: false) {}
            return queued
        }
        #expect(queuedAfter == 0)
    }

    @Test("a close, graceful or abortive, sends the gathered bytes first (as if they had been written at once)",
          arguments: [true, false])
    func closeSendsGathered(graceful: Bool) async throws {
        let loop = EventLoop(name: "gathering-close-test")
        defer { loop.stop() }
        let pair = try await LoopbackPair.open(on: loop)
        defer { close(pair.client) }
        try await loop.run { [transport = pair.transport] in
            _ = transport.value.write(Self.bytes("bye"))
            transport.value.close(graceful: graceful) {}
        }
        #expect(try LoopbackPair.read(pair.client, count: 3) == Array("bye".utf8))
        #expect(try LoopbackPair.read(pair.client, count: 1) == [], "then end of stream")
    }

    private static func bytes(_ text: StaticString) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }

    /// Bytes waiting to be read on `socket`, without blocking (0 when none).
    private static func pendingBytes(_ socket: Int32) -> Int {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = recv(socket, &buffer, buffer.count, Int32(MSG_PEEK | MSG_DONTWAIT))
        return max(count, 0)
    }
}

/// Write reports of a transport, in order (loop thread only).
final class WriteReportRecorder: ByteStreamDelegate {
    var reports: [Bool] = []
    func transportDidRead(_ bytes: UnsafeRawBufferPointer) {}
    func transportDidWrite(succeeded: Bool) { reports.append(succeeded) }
    func transportDidReachEnd() {}
    func transportDidFail() {}
}

/// A connected loopback TCP pair: the server side a `TCPTransport` on a loop (its delegate a
/// `WriteReportRecorder`), the client side a blocking descriptor with a 10 s receive timeout.
struct LoopbackPair {
    struct SocketError: Error { let call: String; let code: Int32 }

    let transport: LoopBound<TCPTransport>
    let recorder: LoopBound<WriteReportRecorder>
    let client: Int32

    static func open(on loop: EventLoop) async throws -> LoopbackPair {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw SocketError(call: "socket", code: errno) }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(listener, raw, length) == 0 else { throw SocketError(call: "bind", code: errno) }
                guard listen(listener, 1) == 0 else { throw SocketError(call: "listen", code: errno) }
                guard getsockname(listener, raw, &length) == 0 else { throw SocketError(call: "getsockname", code: errno) }
            }
        }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard client >= 0 else { throw SocketError(call: "socket", code: errno) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
        }
        guard connected == 0 else {
            close(client)
            throw SocketError(call: "connect", code: errno)
        }
        let accepted = accept(listener, nil, nil)
        guard accepted >= 0 else {
            close(client)
            throw SocketError(call: "accept", code: errno)
        }
        let (transport, recorder) = try await loop.run { [loop] () throws -> (LoopBound<TCPTransport>, LoopBound<WriteReportRecorder>) in
            let handle = UnsafeMutablePointer<uv_tcp_t>.allocate(capacity: 1)
            uv_tcp_init(loop.raw.loop, handle)
            let result = uv_tcp_open(handle, accepted)
            guard result == 0 else {
                handle.deallocate()
                Glibc.close(accepted)
                throw SocketError(call: "uv_tcp_open", code: result)
            }
            let transport = TCPTransport(acceptedHandle: handle)
            let recorder = WriteReportRecorder()
            transport.delegate = recorder
            return (LoopBound(transport, loop: loop), LoopBound(recorder, loop: loop))
        }
        return LoopbackPair(transport: transport, recorder: recorder, client: client)
    }

    /// Reads until `count` bytes arrived or the stream ended (fewer then); throws on a timeout.
    static func read(_ socket: Int32, count: Int) throws -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while received.count < count {
            let got = recv(socket, &buffer, min(buffer.count, count - received.count), 0)
            if got == 0 { break }
            guard got > 0 else { throw SocketError(call: "recv", code: errno) }
            received += buffer[0..<got]
        }
        return received
    }
}
