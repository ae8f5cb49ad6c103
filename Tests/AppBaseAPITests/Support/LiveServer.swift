import AppBaseAuth
import AppBaseCore
import AppBasePlatform
import AppBaseTestSupport
import Logging

/// The assembled server under test: a real `RootSupervisor` with two apps, `alpha` and `beta`,
/// every port (the master's too) ephemeral on loopback, over a fresh data directory.
///
/// Each app gets a client and an admin key before start, made the way `appbase keys create`
/// makes them (`AppDataLocation.prepareDatabase` then `APIKeyAdmin.create`), so the server
/// loads them from its database like any other key.
final class LiveServer: Sendable {
    /// The keys made for one app.
    struct AppKeys: Sendable {
        let client: String
        let clientID: String
        let admin: String
        let adminID: String
    }

    /// The apps every live server runs, in start order.
    static let appNames = ["alpha", "beta"]

    /// The server that a suite marked `.liveServer` shares (nil outside such a suite).
    @TaskLocal static var current: LiveServer?

    let root: RootSupervisor
    let ports: RootSupervisor.Ports
    let dataDirectory: String
    let keys: [String: AppKeys]
    /// A master key for the control plane, made the way `appbase keys create --master` makes it.
    let masterKey: String
    /// Every audit and lifecycle event published since before `start()`.
    let events: BusRecorder

    private init(root: RootSupervisor, ports: RootSupervisor.Ports, dataDirectory: String, keys: [String: AppKeys],
                 masterKey: String, events: BusRecorder) {
        self.root = root
        self.ports = ports
        self.dataDirectory = dataDirectory
        self.keys = keys
        self.masterKey = masterKey
        self.events = events
    }

    /// A configuration for `apps` on ephemeral ports, with cheap password hashing and no access log.
    static func configuration(apps: [String] = appNames) -> ServerConfiguration {
        var services = AppServiceSettings()
        // The smallest Argon2id cost libsodium accepts: registration and login stay fast in tests.
        services.auth.argon2MemoryKiB = 8
        services.auth.argon2Iterations = 1
        let appConfigurations = apps.map { AppConfiguration(name: $0, port: 0, services: services) }
        // Apps created through the control plane get assigned ports from a range away from the
        // usual ones; the allocator skips any port another test's server holds.
        return ServerConfiguration(host: "127.0.0.1", port: 0, accessLog: false, portRange: 45100...45999, apps: appConfigurations,
                                   apiAppServices: services)
    }

    /// A logger that discards everything (the suite's output stays readable).
    static let silentLogger = Logger(label: "appbase-api-tests") { _ in SwiftLogNoOpLogHandler() }

    /// Creates a data directory with keys for every app, then starts a root supervisor on it.
    /// - Throws: what key creation or `RootSupervisor.start()` throws (the directory is removed).
    /// `configure` adjusts the configuration first (tighter limits for an attack scenario, `[faults]`, `[health]`).
    static func start(apps: [String] = appNames,
                      configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> LiveServer {
        let directory = try TemporaryDirectory.make(prefix: "appbase-api")
        do {
            var keys: [String: AppKeys] = [:]
            for app in apps { keys[app] = try await makeKeys(dataDirectory: directory, app: app) }
            let masterKey = try await MasterKeyAdministration.create(dataDirectory: directory, name: "scenario master").key
            var configuration = configuration(apps: apps)
            configure(&configuration)
            let root = RootSupervisor(configuration: configuration, dataDirectory: directory, logger: silentLogger)
            // Subscribed before start, so the apps' start-up lifecycle events are recorded too.
            let events = BusRecorder(bus: root.bus)
            let ports = try await root.start()
            return LiveServer(root: root, ports: ports, dataDirectory: directory, keys: keys, masterKey: masterKey, events: events)
        } catch {
            TemporaryDirectory.remove(directory)
            throw error
        }
    }

    /// Starts a server (see `start`), runs `body` against it and stops it, whatever `body` throws.
    static func with(apps: [String] = appNames, configure: (inout ServerConfiguration) -> Void = { _ in },
                     _ body: (LiveServer) async throws -> Void) async throws {
        let server = try await start(apps: apps, configure: configure)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// A client and an admin key for `app`, through the CLI's code path.
    static func makeKeys(dataDirectory: String, app: String) async throws -> AppKeys {
        let path = try await AppDataLocation.prepareDatabase(dataDirectory: dataDirectory, app: app)
        let client = try APIKeyAdmin.create(databasePath: path, name: "scenario client", kind: .client, clock: SystemWallClock())
        let admin = try APIKeyAdmin.create(databasePath: path, name: "scenario admin", kind: .admin, clock: SystemWallClock())
        return AppKeys(client: client.key, clientID: client.record.id, admin: admin.key, adminID: admin.record.id)
    }

    /// Creates a key while the server runs, the way `appbase keys create` does: straight in the
    /// app's database with its audit entry, then `reload-keys` over the control socket, which
    /// returns once the server applied it. Returns the key and its id.
    func createKey(app: String, kind: Identity.KeyKind, name: String) async throws -> (key: String, id: String) {
        let created = try await AppKeyAdministration.create(dataDirectory: dataDirectory, app: app, name: name,
                                                            admin: kind == .admin, notify: false)
        try await notifyKeyChange(app: app)
        return (created.key, created.summary.id)
    }

    /// Revokes a key while the server runs, the way `appbase keys revoke` does.
    func revokeKey(app: String, id: String) async throws {
        _ = try await AppKeyAdministration.revoke(dataDirectory: dataDirectory, app: app, idOrPrefix: id, notify: false)
        try await notifyKeyChange(app: app)
    }

    /// `reload-keys` over the control socket. The client blocks until the server answers, and
    /// the server answers from a task on the cooperative pool (two threads here), so the
    /// blocking call runs on a thread of its own.
    private func notifyKeyChange(app: String) async throws {
        let socket = ControlClient.socketPath(dataDirectory: dataDirectory)
        let thread = DedicatedThread(name: "control-client")
        defer { thread.shutdown() }
        let reply = try await thread.run { try ControlClient.send("reload-keys \(app)", socketPath: socket) }
        guard reply == "ok" else { throw KeyChangeNotApplied(app: app, reply: reply) }
    }

    /// The running server did not confirm `reload-keys` (nil reply: no server listened).
    struct KeyChangeNotApplied: Error {
        let app: String
        let reply: String?
    }

    /// The port a scenario's request goes to.
    func port(_ target: ScenarioPort) -> Int? {
        switch target {
        case .master: return ports.master
        case .app(let name): return ports.apps[name]
        case .variable: return nil
        }
    }

    /// Placeholder values every scenario may use: `{{alpha.client}}`, `{{alpha.admin}}`,
    /// `{{alpha.clientID}}`, `{{alpha.adminID}}`, `{{alpha.port}}` (and the same for each app),
    /// `{{master.port}}`, `{{master.key}}`.
    var variables: [String: String] {
        var values = ["master.port": String(ports.master), "master.key": masterKey]
        for (app, appKeys) in keys {
            values["\(app).client"] = appKeys.client
            values["\(app).clientID"] = appKeys.clientID
            values["\(app).admin"] = appKeys.admin
            values["\(app).adminID"] = appKeys.adminID
        }
        for (app, port) in ports.apps { values["\(app).port"] = String(port) }
        return values
    }

    /// Shuts the server down, stops recording and removes the data directory.
    func stop() async {
        await root.shutdown()
        events.cancel()
        TemporaryDirectory.remove(dataDirectory)
    }
}
