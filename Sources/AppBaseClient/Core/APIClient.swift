import Foundation

/// Sends API requests with the key and the user's token, refreshing the token once on
/// `token_expired` and waiting out `Retry-After` on `429`/`503` (a bounded number of times).
final class APIClient: Sendable {
    let endpoint: URL
    let apiKey: String
    let options: ClientOptions
    let transport: HTTPTransport
    let sessions: SessionManager

    init(endpoint: URL, apiKey: String, sessionStore: any SessionStore, options: ClientOptions) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.options = options
        transport = HTTPTransport()
        sessions = SessionManager(store: sessionStore)
    }

    /// Sends `request` and returns its successful answer (2xx or 304).
    /// - Throws: the server's `AppBaseError`; `signed_out` for a user request with nobody signed in;
    ///   `network_error` when no answer came.
    func send(_ request: APIRequest) async throws -> HTTPResponse {
        var refreshed = false
        var retries = 0
        while true {
            let token = try await accessToken(for: request)
            let response = try await transport.send(request.urlRequest(endpoint: endpoint, apiKey: apiKey, accessToken: token),
                                                    body: request.body, progress: request.progress)
            if response.isSuccess || response.head.status == 304 { return response }
            let error = response.error
            if let token, try await recover(from: error, token: token, refreshed: &refreshed) { continue }
            if let delay = retryDelay(response.head, retries: retries) {
                retries += 1
                try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                continue
            }
            throw error
        }
    }

    /// Sends `request` and decodes its JSON answer.
    func send<T: Decodable>(_ request: APIRequest, decoding type: T.Type) async throws -> T {
        try await send(request).decode(type)
    }

    /// The token to send with `request`, by its authorization.
    func accessToken(for request: APIRequest) async throws -> String? {
        switch request.authorization {
        case .none: return nil
        case .whenSignedIn: return await sessions.accessToken()
        case .user:
            guard let token = await sessions.accessToken() else { throw AppBaseError.signedOut }
            return token
        }
    }

    /// Acts on an auth error of a request sent with `token`: refreshes once on `token_expired`
    /// (true: send again), signs out on a code that ends the session (false: throw it).
    func recover(from error: AppBaseError, token: String, refreshed: inout Bool) async throws -> Bool {
        if error.code == "token_expired", !refreshed {
            refreshed = true
            _ = try await sessions.refresh(replacing: token, using: self)
            return true
        }
        if error.status == 401, AppBaseError.sessionEndingCodes.contains(error.code) {
            await sessions.end(reason: error.code)
        }
        return false
    }

    /// How long to wait before retry number `retries + 1`, or nil when the answer is not retried.
    func retryDelay(_ head: HTTPHead, retries: Int) -> Double? {
        guard head.status == 429 || head.status == 503, retries < options.maxRetries,
              let seconds = head.retryAfterSeconds, seconds <= options.maxRetryAfterSeconds else { return nil }
        return max(0, seconds)
    }

    /// `POST /auth/refresh`: the rotated pair (never itself refreshed or retried on 401).
    func refreshSession(refreshToken: String) async throws -> Session {
        struct Body: Encodable { let refreshToken: String }
        return try await send(APIRequest("POST", ["auth", "refresh"], json: Body(refreshToken: refreshToken), authorization: .none),
                              decoding: Session.self)
    }
}
