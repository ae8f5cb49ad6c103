import AppBaseCore
import AppBaseHTTP
import AppBaseQuery
import OrderedCollections
import AppBaseRuntime
import AppBaseSQLite

/// `GET /db/collections/:collection/subscribe` → `text/event-stream`.
extension ChangeFeedService {
    func registerSubscribeRoute(on routes: inout RouteTable) {
        routes.add(.GET, "/db/collections/:collection/subscribe", auth: .apiKeyOrQuery) { [self] request, context in
            try await subscribe(request, context)
        }
    }

    /// Checks the caller against the collection's read rule (for a collection dropped after the
    /// resume position, the rule it had then), parses `filter` and the resume position
    /// (`Last-Event-ID`, else `?since=`), registers the stream (caps → 429) and returns the event stream.
    private func subscribe(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let collection = try ResourceName.validatedCollection(context.parameter("collection"))
        let identity = context.identity
        let current = rules.readRule(for: collection)
        let since = try Self.resumePosition(request)
        let rule = current ?? AccessRules.defaults.read
        if current == nil, let since, let dropped = try await droppedReadRule(of: collection, after: since) {
            // Dropped since the client's position: it may still learn what it missed before the
            // drop (replayed under the rule the collection had) and then the drop itself.
            try Self.gate(dropped, identity)
        } else {
            if current == nil && !rules.implicitCollections { throw AppBaseError.notFound("Collection not found.") }
            try Self.gate(rule, identity)
        }
        var filter: Filter?
        if let text = request.queryValue("filter"), !text.isEmpty {
            do {
                filter = try Filter.parse(text)
            } catch {
                throw error.appBaseError(code: .invalidFilter)
            }
        }
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

    /// The read rule `collection` had when it was first dropped after `seq` (`.admin` when the
    /// marker records none), or nil when it was not dropped since.
    private func droppedReadRule(of collection: String, after seq: Int64) async throws -> AccessRule? {
        let drops = try await environment.readers.read { connection in try ChangeLog.drops(of: collection, after: seq, connection) }
        guard let first = drops.first else { return nil }
        return DropMarker.readRule(at: first.seq - 1, in: drops)
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
