import AppBaseCore
import AppBaseHTTP
import AppBaseSQLite

/// The control plane's REST API on the master port (`/api/*`, see docs/API-SPEC.md): app
/// CRUD, stop/start, the port map and a live event stream, each behind a master key.
///
/// It holds no state of its own beyond the request counters and the open event streams: it asks
/// the `AppRegistry` (direct calls, since an answer is needed) and follows the bus for what it
/// streams and counts.
struct ControlPlane: Sendable {
    let registry: AppRegistry
    let master: DatabaseWriter
    let bus: EventBus
    let clock: any WallClock
    let counters: RequestCounters
    let streams: EventStreams
    /// Runs and records the backups started through `/api/apps/:name/backups`.
    let backups: BackupRunner
    /// The config's `[server] host` (for the `direct` URL).
    let host: String
    /// The master port, known once it is bound (for the host-name URLs).
    let masterPort: SnapshotCell<Int>
    /// The scheme of the URLs in AppInfo: `https` while `[tls] enabled` (every port then has a
    /// certificate for its names, and an `http` link only works while plain HTTP is served).
    let scheme: String
    /// `[mdns] domain`: the apps' host names are `api.<app>.<domain>` and so on.
    let domain: String
    /// How often `/api/events` sends a heartbeat comment.
    var heartbeat: Duration = .seconds(15)

    /// Adds every control-plane route to `routes`.
    func register(on routes: inout RouteTable) {
        registerAppRoutes(on: &routes)
        registerEventsRoute(on: &routes)
        registerBackupRoutes(on: &routes)
    }

    /// Requires a master key: `X-Master-Key: <key>` or `Authorization: Bearer <key>`.
    /// - Throws: 401 `unauthorized` when none is given, or it is unknown or revoked.
    func authenticate(_ request: HTTPRequest) async throws {
        guard let key = request.presentedMasterKey else {
            throw AppBaseError(status: 401, code: .unauthorized,
                               message: "The control plane needs a master key (X-Master-Key or Authorization: Bearer).",
                               headers: [("WWW-Authenticate", "Bearer")])
        }
        guard try await MasterKeyAdministration.isActive(key, in: master) else {
            throw AppBaseError(status: 401, code: .unauthorized, message: "The master key is not valid or has been revoked.",
                               headers: [("WWW-Authenticate", "Bearer")])
        }
    }
}

