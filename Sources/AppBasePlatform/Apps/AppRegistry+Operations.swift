import AppBaseAudit
import AppBaseAuth
import AppBaseCollections
import AppBaseCore
#if canImport(Glibc)
import Glibc
#endif

/// The registry's operations: what the control plane calls, and the stable entry points the
/// HealthMonitor and config hot reload drive it through. Each throws `AppBaseError` with the
/// status the control plane sends (400, 404, 409, 503); none throws for an app that merely
/// fails to start (the app is then `failed`, with its reason in `lastError`).
extension AppRegistry {
    /// The first admin key of an app made by `create` (shown once).
    public struct Created: Sendable {
        public let status: AppStatus
        public let adminKey: String
    }

    /// Registers `configuration` and starts it. Used at start-up (config and persisted API
    /// apps) and by config hot reload to add an app.
    /// - Throws: 409 `conflict` when the name is taken; 503 while shutting down.
    public func add(_ configuration: AppConfiguration, source: AppSource) async throws {
        try ensureOpen()
        guard entries[configuration.name] == nil else { throw Self.nameTaken(configuration.name) }
        if let port = configuration.port, port != 0 { await runtime.allocator.reserve(port) }
        entries[configuration.name] = Entry(configuration: configuration, source: source, busy: true)
        order.append(configuration.name)
        await announce(configuration.name)
        await launch(configuration.name)
        entries[configuration.name]?.busy = false
    }

    /// Creates an app through the control plane: persists it in `master.sqlite`, makes its data
    /// directory, database and first admin key, then starts it like any other app. Apps created
    /// this way get `implicit_collections = false`.
    /// - Throws: 400 `bad_request` (name grammar, port range); 409 `conflict` (name or port
    ///   taken, leftover data directory); 503 `unavailable` when provisioning failed (the app
    ///   stays, `failed`, with the reason in `lastError`).
    public func create(name: String, port: Int?) async throws -> Created {
        try ensureOpen()
        guard AppConfiguration.isValidName(name) else {
            throw AppBaseError.badRequest("An app name must match ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ and not be \"master\".",
                                          details: ["field": "name"])
        }
        if let port, !(1...65535).contains(port) {
            throw AppBaseError.badRequest("port must be between 1 and 65535.", details: ["field": "port"])
        }
        guard entries[name] == nil else { throw Self.nameTaken(name) }
        let directory = "\(runtime.dataRoot)/\(name)"
        guard access(directory, F_OK) != 0 else {
            throw AppBaseError(status: 409, code: .conflict,
                               message: "data/\(name) already exists (left by an app removed from the config?); move it away first.")
        }
        // Checked (and remembered) before anything is written: a taken port is the caller's error.
        if let port { _ = try await runtime.allocator.port(for: name, fixed: port, requested: true) }
        guard entries[name] == nil else { throw Self.nameTaken(name) }
        try await registerAPIApp(name, port: port)
        defer { entries[name]?.busy = false }
        await announce(name)
        let key: String
        do {
            let path = try await AppDataLocation.prepareDatabase(dataDirectory: runtime.dataRoot, app: name)
            let audit = OperatorAudit(enabled: entries[name]?.configuration.services.audit.mode != .off, app: name,
                                      clock: runtime.clock, via: "control_plane")
            key = try APIKeyAdmin.create(databasePath: path, name: "control plane", kind: .admin, clock: runtime.clock) { record, connection in
                try audit.append(AuthAuditAction.keyCreated, target: record.id, details: ["kind": record.kind.rawValue], on: connection)
            }.key
        } catch {
            let reason = Self.reason(error)
            entries[name]?.lastError = reason
            await transition(name, to: .failed, message: reason)
            throw Self.provisioningFailed(name, reason)
        }
        guard await launch(name), let status = status(name) else {
            throw Self.provisioningFailed(name, entries[name]?.lastError ?? "unknown")
        }
        return Created(status: status, adminKey: key)
    }

    /// Stops a serving app (draining it) or settles a failed one as stopped; its data and port
    /// stay. Stopping a stopped app changes nothing.
    /// - Throws: 404, 409 while another operation runs on it, 503 while shutting down.
    @discardableResult
    public func stop(_ name: String) async throws -> AppStatus {
        try ensureOpen()
        try claim(name)
        defer { entries[name]?.busy = false }
        switch entries[name]?.lifecycle.state {
        case .running?, .degraded?:
            await takeDown(name)
        case .failed?:
            await teardown(name, drainRequests: false)
            await transition(name, to: .stopped)
        default:
            break
        }
        return try current(name)
    }

    /// Starts a stopped or failed app again (on its port); a serving app is left as it is.
    /// - Throws: 404, 409 while another operation runs on it, 503 while shutting down.
    @discardableResult
    public func start(_ name: String) async throws -> AppStatus {
        try ensureOpen()
        try claim(name)
        defer { entries[name]?.busy = false }
        if let state = entries[name]?.lifecycle.state, state == .stopped || state == .failed {
            await teardown(name, drainRequests: false)
            await transition(name, to: .provisioning)
            await launch(name)
        }
        return try current(name)
    }

    /// Restarts an app's subtree (for the HealthMonitor): a serving app moves to `failed` with
    /// `reason`, is torn down and provisioned again; the restart is counted.
    /// - Throws: 404, 409 while another operation runs on it, 503 while shutting down.
    @discardableResult
    public func restart(app name: String, reason: String) async throws -> AppStatus {
        try ensureOpen()
        try claim(name)
        defer { entries[name]?.busy = false }
        if entries[name]?.lifecycle.isServing == true {
            entries[name]?.lastError = reason
            await transition(name, to: .failed, message: reason)
        }
        await teardown(name, drainRequests: false)
        entries[name]?.restarts += 1
        await transition(name, to: .provisioning, message: "restart")
        await launch(name)
        return try current(name)
    }

    /// Records a health report (for the HealthMonitor): `running ⇄ degraded` follow it.
    public func markHealth(app name: String, report: HealthReport) async {
        guard entries[name] != nil else { return }
        entries[name]?.health = report
        entries[name]?.healthAt = runtime.clock.nowMilliseconds()
        guard entries[name]?.busy == false else { return }
        switch (entries[name]?.lifecycle.state, report.healthy) {
        case (.running?, false): await transition(name, to: .degraded, message: report.message)
        case (.degraded?, true): await transition(name, to: .running)
        default: break
        }
    }

    /// Deletes an app created through the control plane (see `remove(app:)`).
    /// - Throws: 404; 409 for a config app (remove it from the config file instead) or while
    ///   another operation runs on it; 503 while shutting down or when its data cannot be moved.
    public func delete(_ name: String) async throws -> String? {
        try ensureOpen()
        guard let entry = entries[name] else { throw Self.noSuchApp(name) }
        guard entry.source == .api else {
            throw AppBaseError(status: 409, code: .conflict,
                               message: "App \(name) is defined in \(runtime.configFile); remove it there.")
        }
        return try await remove(app: name)
    }

    /// Removes any app (config hot reload uses this for an app gone from the file): drains and
    /// stops it, moves `data/<app>/` to `data/.trash/<app>-<UTC time>/` (never deleting data),
    /// releases its port into the grace period and frees the name. Returns the trash path
    /// relative to the server's working directory (`data/.trash/…`), nil when it had no data.
    /// - Throws: 404, 409 while another operation runs on it, 503 when the data cannot be moved.
    public func remove(app name: String) async throws -> String? {
        try claim(name)
        var released = false
        defer { if !released { entries[name]?.busy = false } }
        await takeDown(name)
        let trash = try moveToTrash(name)
        try await runtime.allocator.release(name)
        if entries[name]?.source == .api { try await APIAppStore.delete(name, from: runtime.master) }
        await transition(name, to: .deleted, message: trash)
        entries[name] = nil
        order.removeAll { $0 == name }
        released = true
        return trash
    }

    /// Applies a changed configuration to a registered app: stops it if it serves, swaps the
    /// configuration and starts it again.
    /// - Throws: 404, 409 while another operation runs on it, 503 while shutting down.
    @discardableResult
    public func reconfigure(_ configuration: AppConfiguration) async throws -> AppStatus {
        try ensureOpen()
        let name = configuration.name
        try claim(name)
        defer { entries[name]?.busy = false }
        await takeDown(name)
        if let port = configuration.port, port != 0 { await runtime.allocator.reserve(port) }
        entries[name]?.configuration = configuration
        await transition(name, to: .provisioning, message: "reconfigured")
        await launch(name)
        return try current(name)
    }

    // MARK: Helpers

    /// Enters an app of the control plane (busy, `implicit_collections = false`) and persists it
    /// in `master.sqlite`; on failure nothing was announced or created and the name is free again.
    func registerAPIApp(_ name: String, port: Int?) async throws {
        var services = runtime.apiAppServices
        services.collections.implicitCollections = false
        let configuration = AppConfiguration(name: name, port: port, services: services)
        entries[name] = Entry(configuration: configuration, source: .api, busy: true)
        order.append(name)
        do {
            try await APIAppStore.insert(APIAppStore.Row(name: name, port: port), at: runtime.clock.nowMilliseconds(),
                                         into: runtime.master)
        } catch {
            entries[name] = nil
            order.removeAll { $0 == name }
            throw error
        }
    }

    /// A serving app drains through `stopping → stopped`; any other is only torn down (a
    /// failed app has nothing left to drain, a stopped one nothing at all).
    func takeDown(_ name: String) async {
        guard entries[name]?.lifecycle.isServing == true else {
            await teardown(name)
            return
        }
        await transition(name, to: .stopping)
        await teardown(name)
        await transition(name, to: .stopped)
    }

    func ensureOpen() throws {
        guard !closing else { throw AppBaseError(status: 503, code: .unavailable, message: "The server is shutting down.") }
    }

    /// Marks `name` busy. - Throws: 404 when unknown, 409 when already busy.
    func claim(_ name: String) throws {
        guard let entry = entries[name] else { throw Self.noSuchApp(name) }
        guard !entry.busy else {
            throw AppBaseError(status: 409, code: .conflict,
                               message: "App \(name) is \(entry.lifecycle.state.rawValue); another operation is in progress.")
        }
        entries[name]?.busy = true
    }

    private func current(_ name: String) throws -> AppStatus {
        guard let status = status(name) else { throw Self.noSuchApp(name) }
        return status
    }

    /// Renames `data/<app>` into `data/.trash/` (0700); a name already there gets a suffix.
    private func moveToTrash(_ name: String) throws -> String? {
        let source = "\(runtime.dataRoot)/\(name)"
        guard access(source, F_OK) == 0 else { return nil }
        let trashRoot = "\(runtime.dataRoot)/.trash"
        do {
            try DataDirectory.create(trashRoot)
        } catch {
            throw AppBaseError(status: 503, code: .unavailable, message: "Cannot create data/.trash: \(error)")
        }
        let stamp = Self.compactUTC(runtime.clock.nowMilliseconds())
        var leaf = "\(name)-\(stamp)"
        var suffix = 2
        while access("\(trashRoot)/\(leaf)", F_OK) == 0 && suffix < 1000 {
            leaf = "\(name)-\(stamp)-\(suffix)"
            suffix += 1
        }
        guard rename(source, "\(trashRoot)/\(leaf)") == 0 else {
            let reason = String(cString: strerror(errno))
            throw AppBaseError(status: 503, code: .unavailable, message: "Cannot move data/\(name) to data/.trash: \(reason)")
        }
        return "data/.trash/\(leaf)"
    }

    /// `20261203T170000Z` from unix milliseconds.
    static func compactUTC(_ millis: Int64) -> String {
        // `2026-12-03T17:00:00.000Z` without separators and milliseconds.
        let text = Timestamp.rfc3339(milliseconds: millis)
        return String(text.prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
    }

    static func nameTaken(_ name: String) -> AppBaseError {
        AppBaseError(status: 409, code: .conflict, message: "An app named \(name) already exists.")
    }

    static func noSuchApp(_ name: String) -> AppBaseError {
        AppBaseError.notFound("No app named \(Self.printable(name)).")
    }

    static func provisioningFailed(_ name: String, _ reason: String) -> AppBaseError {
        AppBaseError(status: 503, code: .unavailable, message: "App \(name) failed to start: \(reason)")
    }

    /// A name from a URL, cut and stripped of control characters before it is echoed.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(64).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
