import Foundation

/// Runs one subscription: connects, parses the stream, yields changes exactly once, and
/// reconnects from the last position (`Last-Event-ID`) after a drop, a refresh or a busy answer.
struct Subscription<T: Codable & Sendable>: Sendable {
    typealias Continuation = AsyncThrowingStream<Change<T>, any Error>.Continuation

    /// How one connection ended.
    private enum Outcome {
        /// The connection closed or failed without a final event: reconnect after a delay.
        case dropped
        /// `event: auth_expired` or `401 token_expired`: refresh, then reconnect at once.
        case expired(token: String?)
        /// `429`/`503`: reconnect after the server's delay.
        case busy(seconds: Double)
        /// The stream cannot go on (`auth_revoked`, another error answer).
        case ended(AppBaseError)
        /// The consumer went away.
        case cancelled
    }

    let client: APIClient
    let collection: String
    let filter: String?
    /// The position the first connection resumes from (a list's `X-Change-Seq`).
    let since: Int64?

    /// Runs until the consumer stops reading or the stream ends for good.
    func run(_ continuation: Continuation) async {
        var position = since
        var resuming = false
        var failures = 0
        var serverRetry: Double?
        while !Task.isCancelled {
            var parser = ServerSentEventParser()
            var wentLive = false
            let token = await client.sessions.accessToken()
            let outcome = await connect(from: position, resuming: resuming, token: token, parser: &parser,
                                        position: &position, wentLive: &wentLive, continuation: continuation)
            // A connection that reached `ready` was a success: the next drop starts the backoff afresh.
            if wentLive { failures = 0 }
            if let milliseconds = parser.retryMilliseconds { serverRetry = Double(milliseconds) / 1000 }
            resuming = position != nil
            switch outcome {
            case .cancelled:
                continuation.finish()
                return
            case .ended(let error):
                // `auth_revoked` with `session_revoked`/`user_disabled` (or such an answer) ends the session too.
                if error.status == 401, AppBaseError.sessionEndingCodes.contains(error.code) {
                    await client.sessions.end(reason: error.code)
                }
                continuation.finish(throwing: error)
                return
            case .expired(let token):
                guard let token else {
                    continuation.finish(throwing: AppBaseError.signedOut)
                    return
                }
                do {
                    _ = try await client.sessions.refresh(replacing: token, using: client)
                    failures = 0
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            case .busy(let seconds):
                failures += 1
                if await giveUp(failures: failures, after: seconds, continuation) { return }
            case .dropped:
                failures += 1
                let base = serverRetry ?? client.options.reconnectDelaySeconds
                let delay = min(base * pow(2, Double(min(failures - 1, 10))), client.options.maxReconnectDelaySeconds)
                if await giveUp(failures: failures, after: delay, continuation) { return }
            }
        }
        continuation.finish()
    }

    /// Sleeps `seconds` before the next attempt, or ends the stream (true) after too many failures
    /// or when the consumer went away.
    private func giveUp(failures: Int, after seconds: Double, _ continuation: Continuation) async -> Bool {
        if failures > client.options.maxReconnectAttempts {
            continuation.finish(throwing: AppBaseError(code: "network_error", status: 0,
                                                       message: "The stream could not be reconnected after \(failures - 1) attempts."))
            return true
        }
        do {
            try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
            return false
        } catch {
            continuation.finish()
            return true
        }
    }

    /// One connection: from the head to the end of the stream.
    private func connect(from start: Int64?, resuming: Bool, token: String?, parser: inout ServerSentEventParser,
                         position: inout Int64?, wentLive: inout Bool, continuation: Continuation) async -> Outcome {
        var request = APIRequest("GET", ["db", "collections", collection, "subscribe"])
        if let filter { request.query.append(("filter", filter)) }
        request.headers["Accept"] = "text/event-stream"
        request.headers["Cache-Control"] = "no-cache"
        if let start {
            if resuming { request.headers["Last-Event-ID"] = String(start) } else { request.query.append(("since", String(start))) }
        }
        var failedHead: HTTPHead?
        var failedBody = Data()
        do {
            for try await part in client.transport.open(request.urlRequest(endpoint: client.endpoint, apiKey: client.apiKey, accessToken: token)) {
                switch part {
                case .head(let head):
                    if head.status != 200 { failedHead = head }
                case .body(let chunk):
                    if failedHead != nil {
                        failedBody.append(chunk)
                        continue
                    }
                    for event in parser.feed(chunk) {
                        if event.event == "ready" { wentLive = true }
                        if let outcome = handle(event, token: token, position: &position, continuation: continuation) { return outcome }
                    }
                }
            }
        } catch {
            return Task.isCancelled ? .cancelled : .dropped
        }
        if Task.isCancelled { return .cancelled }
        guard let failedHead else { return .dropped }
        return outcome(of: HTTPResponse(head: failedHead, body: failedBody), token: token)
    }

    /// What an error answer to the subscribe request means.
    private func outcome(of response: HTTPResponse, token: String?) -> Outcome {
        let error = response.error
        if error.code == "token_expired" { return .expired(token: token) }
        if let seconds = response.head.retryAfterSeconds, response.head.status == 429 || response.head.status == 503,
           seconds <= client.options.maxRetryAfterSeconds {
            return .busy(seconds: seconds)
        }
        return .ended(error)
    }

    /// Acts on one event; a non-nil outcome ends the connection.
    private func handle(_ event: ServerSentEvent, token: String?, position: inout Int64?, continuation: Continuation) -> Outcome? {
        let seq = event.id.flatMap { Int64($0) }
        let payload = try? JSONCoding.decode(JSONValue.self, from: Data(event.data.utf8))
        switch event.event {
        case "create", "update", "delete":
            guard let seq else { return nil }
            // Exactly once: a change at or before the position was delivered already.
            if let position, seq <= position { return nil }
            position = seq
            guard case .object(let record)? = payload?["record"] else { return nil }
            do {
                let decoded = try Record<T>(raw: record)
                let change: Change<T> = switch event.event {
                case "create": .created(decoded, seq: seq)
                case "update": .updated(decoded, seq: seq)
                default: .deleted(decoded, seq: seq)
                }
                if case .terminated = continuation.yield(change) { return .cancelled }
            } catch {
                return .ended(error as? AppBaseError ?? AppBaseError.invalidResponse("\(error)"))
            }
        case "ready":
            guard let seq else { return nil }
            position = seq
            if case .terminated = continuation.yield(.ready(seq: seq)) { return .cancelled }
        case "heartbeat":
            if let seq { position = max(position ?? seq, seq) }
        case "reset":
            let seq = payload?["seq"]?.int64Value ?? seq ?? 0
            position = seq
            let reason = payload?["reason"]?.stringValue ?? "unknown"
            if case .terminated = continuation.yield(.reset(reason: reason, seq: seq)) { return .cancelled }
        case "auth_expired":
            return .expired(token: token)
        case "auth_revoked":
            let code = payload?["code"]?.stringValue ?? "session_revoked"
            return .ended(AppBaseError(code: code, status: 401, message: "The stream was ended by the server: \(code)."))
        default:
            break
        }
        return nil
    }
}
