/// Everything that travels on the internal bus.
///
/// Producers publish; subscribers (audit log, metrics, change feed, platform) each have their
/// own bounded buffer with a stated overflow policy (see `EventBus`).
public enum BusEvent: Sendable {
    /// A security- or data-relevant action; must never be dropped.
    case audit(AuditEvent)
    /// One HTTP request finished (for metrics and live views; may be dropped under load).
    case requestCompleted(RequestSummary)
    /// An app's subtree changed state (starting, running, stopped, failed).
    case appLifecycle(AppLifecycleEvent)
}

/// Who did something: a user, an API key, or the system, seen from one address.
public struct AuditActor: Sendable, Hashable {
    public var userID: String?
    public var keyID: String?
    public var ip: String?
    public var userAgent: String?
    public init(userID: String? = nil, keyID: String? = nil, ip: String? = nil, userAgent: String? = nil) {
        self.userID = userID
        self.keyID = keyID
        self.ip = ip
        self.userAgent = userAgent
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

/// An app subtree's state change.
public struct AppLifecycleEvent: Sendable, Hashable {
    public enum State: String, Sendable { case starting, running, stopping, stopped, failed }
    public var app: String
    public var state: State
    public var message: String?
    public init(app: String, state: State, message: String? = nil) {
        self.app = app
        self.state = state
        self.message = message
    }
}
