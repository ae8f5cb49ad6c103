import AppBaseAudit
import AppBaseAuth
import AppBaseChangeFeed
import AppBaseCollections
import AppBaseJobs
import AppBaseStorage

/// The per-app settings of each service, from `[apps.<name>.auth]`, `.database`, `.realtime`
/// `.storage` and `.jobs`.
public struct AppServiceSettings: Sendable, Equatable {
    public var auth = AuthSettings()
    public var collections = CollectionSettings()
    public var changeFeed = ChangeFeedSettings()
    public var storage = StorageSettings()
    public var jobs = JobSettings()
    /// `[apps.<name>.audit]` over the `[audit]` defaults.
    public var audit = AuditSettings()
    public init() {}
}
