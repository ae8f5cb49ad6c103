import AppBaseCore
import AppBaseHTTP
import Logging
import OrderedCollections

/// `PUT /api/apps/:name/site` on the control plane: a tar (`application/x-tar`) or zip
/// (`application/zip`) body becomes the app's static site → 200 `{"files": N, "bytes": M}`.
public enum SiteRoutes {
    /// Adds the route. `authorize` runs first (the control plane's master-key check) and throws
    /// to refuse; `appExists` answers whether `name` is a registered app (404 otherwise).
    public static func register(on routes: inout RouteTable, dataRoot: String, limits: SiteLimits = SiteLimits(),
                                authorize: @escaping @Sendable (HTTPRequest) async throws -> Void,
                                appExists: @escaping @Sendable (String) async -> Bool) {
        routes.add(.PUT, "/api/apps/:name/site", auth: .none, bodyLimit: limits.maxArchiveBytes) { request, context in
            try await authorize(request)
            let app = context.parameters["name"] ?? ""
            guard await appExists(app) else { throw AppBaseError.notFound("No app named \(SitePath.printable(app)).") }
            let mediaType = MediaType.essence(request.headers["content-type"] ?? "")
            let archive = try await request.body.collect(upTo: limits.maxArchiveBytes)
            let installed = try await installOffLoop(archive: archive, mediaType: mediaType, dataRoot: dataRoot, app: app,
                                                     limits: limits)
            context.logger.info("site of \(app) replaced: \(installed.files) files, \(installed.bytes) bytes")
            return HTTPResponse.json(200, JSONValue.object(["files": .int(Int64(installed.files)),
                                                            "bytes": .int(Int64(installed.bytes))]))
        }
    }

    /// Unpacks and writes on a thread of its own: parsing, inflating and writing files block.
    static func installOffLoop(archive: [UInt8], mediaType: String, dataRoot: String, app: String,
                               limits: SiteLimits) async throws -> SiteInstaller.Installed {
        let thread = DedicatedThread(name: "site-install")
        defer { thread.shutdown() }
        do {
            return try await thread.run {
                try SiteInstaller.install(archive: archive, mediaType: mediaType, dataRoot: dataRoot, app: app, limits: limits)
            }
        } catch let refused as SiteArchiveError {
            throw refused.appError
        }
    }
}
