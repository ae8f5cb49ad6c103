/// Everything that travels on the internal bus.
///
/// Producers publish; subscribers (audit log, metrics, change feed, platform) each have their
/// own bounded buffer with a stated overflow policy (see `EventBus`).
public enum BusEvent: Sendable {
    /// A security- or data-relevant action; must never be dropped.
    case audit(AuditEvent)
    /// The requests one loop turn answered, in the order answered (for metrics and live views;
    /// may be dropped under load). One event per turn, not per request: a subscriber's filter and
    /// buffer cost the loop once per turn whatever the request rate.
    case requestsCompleted([RequestSummary])
    /// An app's subtree changed state (see `AppLifecycleEvent.State` for the machine).
    case appLifecycle(AppLifecycleEvent)
    /// The HealthMonitor's verdict on one app after a probe (may be dropped under load).
    case health(HealthReport)

    /// How many facts the event carries: a batch of request summaries counts each one, so a
    /// subscriber that drops it reports every summary it lost.
    public var weight: Int {
        if case .requestsCompleted(let summaries) = self { return summaries.count }
        return 1
    }
}

/// Who did something: a user, an API key, or the system, seen from one address.
public struct AuditActor: Sendable, Hashable {
    public var userID: String?
    public var keyID: String?
    public var ip: String?
    public var userAgent: String?
    /// A dashboard administrator (separate from the app's users), when one acted through a dashboard session.
    public var dashboardAdminID: String?
    public init(userID: String? = nil, keyID: String? = nil, ip: String? = nil, userAgent: String? = nil,
                dashboardAdminID: String? = nil) {
        self.userID = userID
        self.keyID = keyID
        self.ip = ip
        self.userAgent = userAgent
        self.dashboardAdminID = dashboardAdminID
    }
    /// What kind of actor this is, in the audit log: `dashboard_admin`, `api_key`, `user` or `system`.
    public var kind: String {
        if dashboardAdminID != nil { return "dashboard_admin" }
        if keyID != nil { return "api_key" }
        if userID != nil { return "user" }
        return "system"
    }
    /// The server itself (start-up cleanup, the CLI).
    public static let system = AuditActor()
}

/// One auditable action. Never carries secrets or record contents.
public struct AuditEvent: Sendable, Hashable {
    /// The app it happened in.
    public var app: String
    /// Milliseconds since the epoch.
    public var time: Int64
    public var actor: AuditActor
    /// Dotted action name, e.g. `auth.login.failed`, `record.create`, `file.delete`, `key.revoke`.
    public var action: String
    /// What it acted on, e.g. `notes/0190…` or a user id; never a secret.
    public var target: String?
    public var requestID: String?
    /// Small, non-secret facts (sizes, counts, reasons).
    public var details: [String: String]

    public init(app: String, time: Int64, actor: AuditActor, action: String, target: String? = nil,
                requestID: String? = nil, details: [String: String] = [:]) {
        self.app = app
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.requestID = requestID
        self.details = details
    }
}

/// The facts about one finished request that metrics need.
public struct RequestSummary: Sendable, Hashable {
    public var app: String
    public var method: String
    public var route: String
    public var status: Int
    public var durationMicros: Int64
    public init(app: String, method: String, route: String, status: Int, durationMicros: Int64) {
        self.app = app
        self.method = method
        self.route = route
        self.status = status
        self.durationMicros = durationMicros
    }
}

/// An app subtree's state change: one transition of the app lifecycle.
///
/// The machine: `provisioning → running ⇄ degraded`, `running|degraded → failed → (restart)
/// provisioning`, any live state `→ stopping → stopped`, `stopped → provisioning` (start) and
/// `stopped|failed → deleted`. `failed` with `restartScheduled == false` is final until an
/// operator starts the app again.
public struct AppLifecycleEvent: Sendable, Hashable {
    public enum State: String, Sendable, CaseIterable {
        /// Data directory, database, migrations, services and port are being set up.
        case provisioning
        /// Serving; the last health probe passed.
        case running
        /// Serving, but the last health probe failed or was slow.
        case degraded
        /// Down after an error; `message` says why.
        case failed
        /// Draining requests and streams before it stops.
        case stopping
        /// Stopped by an operator (or at shutdown); its port stays reserved.
        case stopped
        /// Removed; its data moved to the trash, its name free again.
        case deleted
    }
    public var app: String
    public var state: State
    /// The app's port while it has one.
    public var port: Int?
    /// Why (for `failed`, `degraded`), or a short fact.
    public var message: String?
    public init(app: String, state: State, port: Int? = nil, message: String? = nil) {
        self.app = app
        self.state = state
        self.port = port
        self.message = message
    }
}

/// One health probe of one app: a request through its router and a query on its database.
public struct HealthReport: Sendable, Hashable {
    public var app: String
    /// Both probes answered within their timeouts.
    public var healthy: Bool
    /// How long the router probe took (nil when it timed out or failed).
    public var routerMicros: Int64?
    /// How long the database probe took (nil when it timed out or failed).
    public var databaseMicros: Int64?
    /// What failed, when something did.
    public var message: String?
    public init(app: String, healthy: Bool, routerMicros: Int64? = nil, databaseMicros: Int64? = nil, message: String? = nil) {
        self.app = app
        self.healthy = healthy
        self.routerMicros = routerMicros
        self.databaseMicros = databaseMicros
        self.message = message
    }
}
