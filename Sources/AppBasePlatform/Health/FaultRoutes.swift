import AppBaseCore
import AppBaseHTTP
import OrderedCollections

/// `POST /api/apps/:name/faults {"kind": "crash"|"hang"|"db"}` → 202, on the control plane.
/// Registered only when `[faults] enabled = true`; otherwise the route does not exist (404).
public enum FaultRoutes {
    /// Largest body accepted (the JSON is one short object).
    static let bodyLimit = 1024

    /// Adds the route when `settings.enabled`; does nothing otherwise. `authorize` runs first
    /// (the control plane's master-key check) and throws to refuse.
    public static func register(on routes: inout RouteTable, settings: FaultSettings,
                                authorize: @escaping @Sendable (HTTPRequest) async throws -> Void,
                                injector: any FaultInjecting) {
        guard settings.enabled else { return }
        routes.add(.POST, "/api/apps/:name/faults", auth: .none, bodyLimit: bodyLimit) { request, context in
            try await authorize(request)
            let app = context.parameters["name"] ?? ""
            let kind = try parseKind(try await request.body.collect(upTo: bodyLimit))
            try await injector.injectFault(kind, into: app)
            return HTTPResponse.json(202, JSONValue.object(["app": .string(app), "kind": .string(kind.rawValue)]))
        }
    }

    /// The fault kind named in a request body.
    /// - Throws: `invalid_json`, or `bad_request` when `kind` is missing or unknown.
    static func parseKind(_ body: [UInt8]) throws -> FaultKind {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body, maxDepth: 4)
        } catch {
            throw AppBaseError.invalidJSON(error.message, offset: error.offset)
        }
        let choices = FaultKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let name = value["kind"]?.stringValue, let kind = FaultKind(rawValue: name) else {
            throw AppBaseError.badRequest("kind must be one of \(choices).")
        }
        return kind
    }
}
