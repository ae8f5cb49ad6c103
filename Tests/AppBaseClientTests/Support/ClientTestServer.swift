import AppBaseAuth
import AppBaseChangeFeed
import AppBaseClient
import AppBaseCore
import AppBasePlatform
import AppBaseTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// The assembled server the SDK talks to: a real `RootSupervisor` with one app, `sdk`, on an
/// ephemeral loopback port (a restart keeps its listener, so the client's endpoint stays valid),
/// a fresh data directory, and a manual wall clock (tokens expire when a test says so).
final class ClientTestServer: Sendable {
    static let app = "sdk"
    /// Open streams one user may hold (the server answers `429` + `Retry-After: 5` beyond).
    static let streamsPerUser = 3

    let root: RootSupervisor
    let clock: ManualWallClock
    let directory: String
    let port: Int
    let clientKey: String
    let adminKey: String
    /// Audit events `auth.refresh`, one per refresh the server performed.
    private let refreshes: BusSubscription

    var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private init(root: RootSupervisor, clock: ManualWallClock, directory: String, port: Int, clientKey: String, adminKey: String,
                 refreshes: BusSubscription) {
        self.root = root
        self.clock = clock
        self.directory = directory
        self.port = port
        self.clientKey = clientKey
        self.adminKey = adminKey
        self.refreshes = refreshes
    }

    /// Starts a server on a fresh data directory.
    static func start() async throws -> ClientTestServer {
        let directory = try TemporaryDirectory.make(prefix: "appbase-client")
        do {
            let path = try await AppDataLocation.prepareDatabase(dataDirectory: directory, app: app)
            let client = try APIKeyAdmin.create(databasePath: path, name: "sdk client", kind: .client, clock: SystemWallClock())
            let admin = try APIKeyAdmin.create(databasePath: path, name: "sdk admin", kind: .admin, clock: SystemWallClock())
            var services = AppServiceSettings()
            // The smallest Argon2id cost libsodium accepts: sign-ups stay fast.
            services.auth.argon2MemoryKiB = 8
            services.auth.argon2Iterations = 1
            // Reconnects after a dropped stream come quickly.
            services.changeFeed.retryMilliseconds = 100
            // A small cap, so the Retry-After test reaches it with a few streams.
            services.changeFeed.maxStreamsPerUser = Self.streamsPerUser
            let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, accessLog: false, portRange: 45100...45999,
                                                    apps: [AppConfiguration(name: app, port: 0, services: services)],
                                                    apiAppServices: services)
            let clock = ManualWallClock(milliseconds: SystemWallClock().nowMilliseconds())
            let logger = Logger(label: "appbase-client-tests") { _ in SwiftLogNoOpLogHandler() }
            let root = RootSupervisor(configuration: configuration, dataDirectory: directory, clock: clock, logger: logger)
            let refreshes = root.bus.subscribe(name: "client-tests", capacity: 10_000, policy: .backpressure) { event in
                if case .audit(let audit) = event { return audit.action == AuthAuditAction.refresh }
                return false
            }
            let ports = try await root.start()
            guard let port = ports.apps[app] else {
                await root.shutdown()
                throw TestFailure("app \(app) did not bind a port")
            }
            return ClientTestServer(root: root, clock: clock, directory: directory, port: port, clientKey: client.key,
                                    adminKey: admin.key, refreshes: refreshes)
        } catch {
            TemporaryDirectory.remove(directory)
            throw error
        }
    }

    /// Moves the server's clock past the access tokens' 15-minute lifetime (and the refresh
    /// grace window): every token issued so far is now refused with `token_expired`.
    func expireAccessTokens() { clock.advance(seconds: 16 * 60) }

    /// Refreshes the server has performed so far (each is audited before its answer is sent).
    var refreshCount: Int { refreshes.pendingCount }

    /// A client of the app with the client key (or `apiKey`), options tuned for quick reconnects.
    func client(apiKey: String? = nil, configure: (inout ClientOptions) -> Void = { _ in }) -> AppBaseClient {
        var options = ClientOptions()
        options.reconnectDelaySeconds = 0.05
        options.maxReconnectDelaySeconds = 0.5
        options.maxReconnectAttempts = 100
        configure(&options)
        return AppBaseClient(endpoint: endpoint, apiKey: apiKey ?? clientKey, options: options)
    }

    /// Tears the app down (its streams end without a final event, like a crash) and starts it again on its port.
    func restartApp() async throws {
        guard let registry = await root.registry else { throw TestFailure("no registry") }
        try await registry.restart(app: Self.app, reason: "client test")
    }

    /// A request outside the SDK (admin routes, raw checks): status and JSON body.
    func raw(_ method: String, _ path: String, headers: [String: String] = [:], json: String? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    func stop() async {
        refreshes.cancel()
        await root.shutdown()
        TemporaryDirectory.remove(directory)
    }
}

/// Runs `body` against a fresh server, shutting it down afterwards whatever happens.
func withServer(_ body: (ClientTestServer) async throws -> Void) async throws {
    let server = try await ClientTestServer.start()
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
