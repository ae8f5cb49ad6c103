import AppBaseCore
import AppBaseHTTP
import OrderedCollections

/// `/api/apps` (list, create), `/api/apps/:name` (read, delete), `/api/apps/:name/stop|start`
/// and `/api/ports`. Every route authenticates first, so an unknown app without a key is 401,
/// never a 404 that tells whether the app exists.
extension ControlPlane {
    /// A create body is `{"name","port"?}`: tiny.
    static let createBodyLimit = 4096

    func registerAppRoutes(on routes: inout RouteTable) {
        routes.add(.GET, "/api/apps", auth: .none) { [self] request, _ in
            try await authenticate(request)
            return .json(200, await appList())
        }
        routes.add(.POST, "/api/apps", auth: .none, bodyLimit: Self.createBodyLimit) { [self] request, _ in
            try await authenticate(request)
            let (name, port) = try await Self.readCreateBody(request)
            let created = try await registry.create(name: name, port: port)
            guard case .object(var info) = appInfo(created.status, lastBackup: nil) else {
                return .json(201, appInfo(created.status, lastBackup: nil))
            }
            info["adminKey"] = .string(created.adminKey)
            return .json(201, .object(info))
        }
        routes.add(.GET, "/api/apps/:name", auth: .none) { [self] request, context in
            try await authenticate(request)
            let name = try context.parameter("name")
            guard let status = await registry.status(name) else { throw AppRegistry.noSuchApp(name) }
            return .json(200, await appInfoWithBackup(status))
        }
        routes.add(.DELETE, "/api/apps/:name", auth: .none) { [self] request, context in
            try await authenticate(request)
            let name = try context.parameter("name")
            let trash = try await registry.delete(name)
            counters.reset(name)
            return .json(200, ["name": .string(name), "state": "deleted", "trash": trash.map(JSONValue.string) ?? .null])
        }
        routes.add(.POST, "/api/apps/:name/stop", auth: .none) { [self] request, context in
            try await authenticate(request)
            return .json(200, await appInfoWithBackup(try await registry.stop(try context.parameter("name"))))
        }
        routes.add(.POST, "/api/apps/:name/start", auth: .none) { [self] request, context in
            try await authenticate(request)
            return .json(200, await appInfoWithBackup(try await registry.start(try context.parameter("name"))))
        }
        routes.add(.GET, "/api/ports", auth: .none) { [self] request, _ in
            try await authenticate(request)
            return .json(200, await portMap())
        }
    }

    /// Reads `{"name": string, "port": integer|null?}`.
    /// - Throws: 413 beyond the limit; 400 `invalid_json`; 400 `bad_request` for another shape,
    ///   naming the field.
    static func readCreateBody(_ request: HTTPRequest) async throws -> (name: String, port: Int?) {
        let bytes = try await request.body.collect(upTo: createBodyLimit)
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, maxDepth: 4)
        } catch {
            throw error.appBaseError
        }
        guard let object = value.objectValue else { throw AppBaseError.badRequest("The body must be a JSON object.") }
        for key in object.keys where key != "name" && key != "port" {
            throw AppBaseError.badRequest("Unknown field \(AppRegistry.printable(key)); expected name and port.",
                                          details: ["field": .string(AppRegistry.printable(key))])
        }
        guard let name = object["name"]?.stringValue else {
            throw AppBaseError.badRequest("name is required and must be a string.", details: ["field": "name"])
        }
        switch object["port"] {
        case nil, .null?:
            return (name, nil)
        case .int(let port)?:
            guard (1...65535).contains(port) else {
                throw AppBaseError.badRequest("port must be between 1 and 65535.", details: ["field": "port"])
            }
            return (name, Int(port))
        default:
            throw AppBaseError.badRequest("port must be an integer between 1 and 65535, or null.", details: ["field": "port"])
        }
    }
}
