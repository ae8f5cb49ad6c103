import AppBaseAudit
import AppBaseAuth
import AppBaseChangeFeed
import AppBaseCollections
import AppBaseStorage

/// The per-app settings of each service, from `[apps.<name>.auth]`, `.database`, `.realtime`
/// and `.storage`.
public struct AppServiceSettings: Sendable, Equatable {
    public var auth = AuthSettings()
    public var collections = CollectionSettings()
    public var changeFeed = ChangeFeedSettings()
    public var storage = StorageSettings()
    /// `[apps.<name>.audit]` over the `[audit]` defaults.
    public var audit = AuditSettings()
    public init() {}
}
