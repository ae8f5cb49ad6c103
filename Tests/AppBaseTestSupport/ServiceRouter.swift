import AppBaseHTTP
import AppBaseRuntime
import Logging

extension Router {
    /// A router over one service's routes, with the default CORS policy and limits — how an
    /// app subtree routes to its services, reduced to the service under test.
    public static func serving(_ service: some AppService, app: String,
                               authenticator: (any RequestAuthenticator)?, logger: Logger) -> Router {
        var routes = RouteTable()
        service.registerRoutes(on: &routes)
        return Router(app: app, routes: routes, cors: CORSPolicy(), limits: HTTPLimits(),
                      authenticator: authenticator, logger: logger)
    }
}
