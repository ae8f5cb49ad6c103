import AppBaseCore
import AppBaseHTTP
import AppBaseQuery
import OrderedCollections
import AppBaseRuntime

/// `GET /db/collections/:collection/subscribe` → `text/event-stream`.
extension ChangeFeedService {
    func registerSubscribeRoute(on routes: inout RouteTable) {
        routes.add(.GET, "/db/collections/:collection/subscribe", auth: .apiKeyOrQuery) { [self] request, context in
            try await subscribe(request, context)
        }
    }

    /// Checks the caller against the collection's read rule, parses `filter` and the resume
    /// position (`Last-Event-ID`, else `?since=`), registers the stream (caps → 429) and returns
    /// the event stream.
    private func subscribe(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let collection = try ResourceName.validatedCollection(context.parameter("collection"))
        let identity = context.identity
        let current = rules.readRule(for: collection)
        if current == nil && !rules.implicitCollections { throw AppBaseError.notFound("Collection not found.") }
        let rule = current ?? AccessRules.defaults.read
        try Self.gate(rule, identity)
        var filter: Filter?
        if let text = request.queryValue("filter"), !text.isEmpty {
            do {
                filter = try Filter.parse(text)
            } catch {
                throw error.appBaseError(code: .invalidFilter)
            }
        }
        let since = try Self.resumePosition(request)
        let subscription = Subscription(collection: collection, identity: identity, clientIP: context.clientIP, readRule: rule,
                                        collectionExisted: current != nil, filter: filter)
        let subscriber = try await hub.register(subscription)
        let stream = SSEStream(subscriber: subscriber, hub: hub, readers: environment.readers, since: since, settings: settings)
        let headers = HTTPHeaders([
            ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no"),
        ])
        return HTTPResponse(status: 200, headers: headers, body: .stream(contentLength: nil) { writer in
            try await stream.run(writer)
        })
    }

    /// Subscribing is reading: admin keys always; `public` needs no user; `admin` refuses client
    /// keys (403); anything else needs a user token (401 `missing_token`).
    static func gate(_ rule: AccessRule, _ identity: Identity) throws(AppBaseError) {
        if identity.isAdmin { return }
        guard identity.keyKind != nil else { throw .unauthorized(.missingAPIKey, "This route needs an API key.") }
        switch rule {
        case .public: return
        case .admin: throw .forbidden("Only admin keys may read this collection.")
        case .owner, .authenticated:
            guard identity.user != nil else {
                throw .unauthorized(.missingToken, "This route needs a user access token (Authorization: Bearer or ?token=).")
            }
        }
    }

    /// `Last-Event-ID` (set by EventSource on reconnect, so it wins) or `?since=`.
    /// - Throws: 400 `bad_request` for anything but a non-negative integer.
    static func resumePosition(_ request: HTTPRequest) throws(AppBaseError) -> Int64? {
        let header = request.headers["last-event-id"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text = header ?? request.queryValue("since") else { return nil }
        guard let value = Int64(text), value >= 0 else {
            throw AppBaseError(status: 400, code: .badRequest, message: "The resume position is a non-negative change sequence.",
                               details: .object(["field": .string(header != nil ? "Last-Event-ID" : "since")]))
        }
        return value
    }
}
