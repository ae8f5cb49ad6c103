import AppBaseCore
import Logging

/// Matches requests to routes for one app (or the master), runs authentication on the loop,
/// answers preflights and 404/405, and wraps handlers so every error is rendered as JSON with
/// CORS headers.
public final class Router: HTTPDispatcher {
    public let app: String
    private let routes: [Route]
    /// Indices into `routes`, in matching order, by the number of segments of their pattern: a
    /// request is compared only with the routes of its path's length (an app has dozens).
    private let routesBySegmentCount: [[Int]]
    private let cors: CORSPolicy
    private let limits: HTTPLimits
    private let authenticator: (any RequestAuthenticator)?
    private let logger: Logger
    /// The label of answers no route matched (404, 405, preflights).
    private let unmatchedLabel: RouteLabel

    public init(app: String, routes: RouteTable, cors: CORSPolicy, limits: HTTPLimits,
                authenticator: (any RequestAuthenticator)?, logger: Logger) {
        self.app = app
        // Literal segments win over parameters: `/c/:name/subscribe` before `/c/:name/:id`.
        self.routes = routes.routes.enumerated().sorted { lhs, rhs in
            let left = lhs.element.parameterCount, right = rhs.element.parameterCount
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map { entry in
            var route = entry.element
            route.label = RouteLabel(app: app, pattern: route.pattern)
            return route
        }
        var buckets: [[Int]] = Array(repeating: [], count: (self.routes.map(\.segments.count).max() ?? 0) + 1)
        for (index, route) in self.routes.enumerated() { buckets[route.segments.count].append(index) }
        routesBySegmentCount = buckets
        unmatchedLabel = RouteLabel(app: app, pattern: RouteLabel.unmatchedPattern)
        self.cors = cors
        self.limits = limits
        self.authenticator = authenticator
        self.logger = logger
    }

    /// Every registered route as method and pattern (`/db/collections/:collection/:id`), in
    /// matching order: what the OpenAPI drift test compares with the published document.
    public var registeredRoutes: [(method: HTTPMethod, pattern: String)] {
        routes.map { ($0.method, $0.pattern) }
    }

    public func dispatch(_ request: HTTPRequest) -> DispatchDecision {
        let origin = request.headers["origin"]
        let method = request.method
        let parts = Self.segments(of: request.path)
        var matched: (Route, PathParameters)?
        if let method, method != .OPTIONS {
            for index in candidates(for: parts) {
                let routeMethod = routes[index].method
                guard routeMethod == method || (method == .HEAD && routeMethod == .GET) else { continue }
                if let parameters = Self.match(routes[index].segments, parts) {
                    matched = (routes[index], parameters)
                    break
                }
            }
        }
        guard let (route, parameters) = matched else {
            var response = unmatched(request, parts: parts, origin: origin)
            response.routeLabel = unmatchedLabel
            return .respond(response)
        }
        let identity: Identity
        let clientIP = authenticator?.clientIP(for: request) ?? request.remoteAddress
        do {
            identity = try authenticator?.authenticate(request, auth: route.auth) ?? .anonymous
        } catch {
            return .respond(finish(ErrorRenderer.response(for: error, requestID: request.requestID), origin: origin,
                                   route: route))
        }
        let context = RequestContext(app: app, requestID: request.requestID, logger: logger, clientIP: clientIP,
                                     identity: identity, parameters: parameters, route: route.pattern)
        switch route.handler {
        case .inline(let handler):
            return .respond(finish(Self.run(handler, request, context), origin: origin, route: route))
        case .async(let handler):
            return asyncDecision(handler, route: route, context: context, origin: origin)
        case .inlineOrAsync(let fast, let slow):
            do {
                if let response = try fast(request, context) { return .respond(finish(response, origin: origin, route: route)) }
            } catch {
                return .respond(finish(Self.render(error, request: request, context: context), origin: origin, route: route))
            }
            return asyncDecision(slow, route: route, context: context, origin: origin)
        }
    }

    private func asyncDecision(_ handler: @escaping RouteHandler, route: Route, context: RequestContext,
                               origin: String?) -> DispatchDecision {
        let cors = self.cors
        let label = route.label
        let traits = HandlerTraits(app: app, route: route.pattern, bodyLimit: route.bodyLimit ?? limits.defaultBodyLimit,
                                   bodyPace: route.bodyPace)
        return .handle(traits) { request in
            var response: HTTPResponse
            do {
                response = try await handler(request, context)
            } catch {
                response = Self.render(error, request: request, context: context)
            }
            cors.decorate(&response.headers, origin: origin)
            response.routeLabel = label
            return response
        }
    }

    public func decorate(_ response: inout HTTPResponse, for request: HTTPRequest) {
        cors.decorate(&response.headers, origin: request.headers["origin"])
    }

    /// The routes a path of `parts` may match, in matching order.
    private func candidates(for parts: [Substring]) -> [Int] {
        parts.count < routesBySegmentCount.count ? routesBySegmentCount[parts.count] : []
    }

    /// No route for this method: a preflight, a 405 with `Allow`, or a 404.
    private func unmatched(_ request: HTTPRequest, parts: [Substring], origin: String?) -> HTTPResponse {
        var allowed: Set<HTTPMethod> = []
        for index in candidates(for: parts) where Self.match(routes[index].segments, parts) != nil {
            allowed.insert(routes[index].method)
            if routes[index].method == .GET { allowed.insert(.HEAD) }
        }
        if request.method == .OPTIONS, !allowed.isEmpty {
            return cors.preflight(request, allowed: allowed, origin: origin)
        }
        let error: AppBaseError
        if allowed.isEmpty {
            error = AppBaseError(status: 404, code: .notFound, message: "No route for \(Self.safe(request.path)).")
        } else {
            let list = (allowed.map(\.rawValue) + ["OPTIONS"]).sorted().joined(separator: ", ")
            error = AppBaseError(status: 405, code: .methodNotAllowed,
                                 message: "\(Self.safe(request.methodName)) is not allowed here.",
                                 headers: [("Allow", list)])
        }
        return finish(ErrorRenderer.response(for: error, requestID: request.requestID), origin: origin)
    }

    private static func run(_ handler: InlineRouteHandler, _ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        do {
            return try handler(request, context)
        } catch {
            return render(error, request: request, context: context)
        }
    }

    private static func render(_ error: any Error, request: HTTPRequest, context: RequestContext) -> HTTPResponse {
        context.logger.log(RequestFailureLog.entry(for: error, method: request.method?.rawValue ?? "?", route: context.route))
        return ErrorRenderer.response(for: error, requestID: context.requestID)
    }

    private func finish(_ response: HTTPResponse, origin: String?) -> HTTPResponse {
        var response = response
        cors.decorate(&response.headers, origin: origin)
        return response
    }

    /// `finish`, tagged with the route that answered (metrics).
    private func finish(_ response: HTTPResponse, origin: String?, route: Route) -> HTTPResponse {
        var response = finish(response, origin: origin)
        response.routeLabel = route.label
        return response
    }

    /// The non-empty `/`-separated segments of `path` (empty segments are skipped), split once
    /// per request, scanning the bytes once (a `String.Index` walk costs far more per byte).
    static func segments(of path: String) -> [Substring] {
        let utf8 = path.utf8
        var parts: [Substring] = []
        parts.reserveCapacity(8)
        let scanned: Void? = utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            while start < bytes.count {
                guard bytes[start] != UInt8(ascii: "/") else {
                    start += 1
                    continue
                }
                var end = start + 1
                while end < bytes.count && bytes[end] != UInt8(ascii: "/") { end += 1 }
                parts.append(path[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)])
                start = end
            }
        }
        if scanned == nil {
            parts = path.split(separator: "/", omittingEmptySubsequences: true)
        }
        return parts
    }

    /// The parameters when `parts` match `pattern` (literals compare byte for byte), else nil.
    /// Nothing is allocated unless the pattern has parameters.
    ///
    /// Literals are compared first, so a route that differs in a later literal costs no decoding
    /// and no parameter list; a parameter without `%` is taken as it is (it is already valid UTF-8).
    static func match(_ pattern: [PathSegment], _ parts: [Substring]) -> PathParameters? {
        guard pattern.count == parts.count else { return nil }
        var parameterCount = 0
        for (segment, part) in zip(pattern, parts) {
            switch segment {
            case .literal(let literal):
                guard part.hasSameUTF8(as: literal) else { return nil }
            case .parameter:
                parameterCount += 1
            }
        }
        guard parameterCount > 0 else { return PathParameters() }
        var parameters = PathParameters(capacity: parameterCount)
        for (segment, part) in zip(pattern, parts) {
            guard case .parameter(let name) = segment else { continue }
            guard let decoded = decodedParameter(part) else { return nil }
            parameters.append(name, decoded)
        }
        return parameters
    }

    /// A path parameter's text: percent-decoded (nil when malformed, not UTF-8, or empty).
    private static func decodedParameter(_ part: Substring) -> String? {
        guard !part.isEmpty else { return nil }
        guard part.utf8.contains(UInt8(ascii: "%")) else { return String(part) }
        guard let decoded = QueryString.percentDecode(part), !decoded.isEmpty else { return nil }
        return decoded
    }

    /// A path or method safe to echo in a message (bounded, printable).
    static func safe(_ text: String) -> String {
        String(text.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
