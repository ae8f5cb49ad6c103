/// The part of the platform a config reload changes: the set of running apps. Implemented by
/// the app registry; fakes in tests. Each call affects one app only: a failure is that app's
/// (it ends `failed` with its reason), never the others'.
public protocol AppSetApplying: Sendable {
    /// Provisions and starts an app that the file now names.
    func addApp(_ configuration: AppConfiguration) async throws
    /// Drains, stops and removes an app the file no longer names (its data goes to the trash).
    func removeApp(_ name: String) async throws
    /// Restarts an app with its changed settings, keeping its data and port.
    func reconfigureApp(_ configuration: AppConfiguration) async throws
}
