import AppBaseCore
import AppBasePlatform
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `appbase keys create|list|revoke`: manage an app's API keys (`--app NAME`) or the master
/// keys of the control plane (`--master`), with or without a running server.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage an app's API keys, or the control plane's master keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// `--app NAME` or `--master`, exactly one.
    struct Target: ParsableArguments {
        @Option(help: "The app.") var app: String?
        @Flag(help: "The control plane's master keys (kept in master.sqlite) instead of an app's keys.") var master = false

        func validate() throws {
            guard (app == nil) == master else { throw ValidationError("give exactly one of --app NAME and --master") }
        }

        /// Checks the app is registered; nil for `--master`.
        func resolve(_ common: CommonOptions) async throws -> String? {
            guard let app else { return nil }
            try await common.checkRegistered(app)
            return app
        }
    }

    /// `appbase keys create (--app NAME [--admin] | --master) --name LABEL`: prints the new key alone on stdout.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; prints it once, alone on stdout.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Target
        @Option(help: "A label for the key.") var name: String
        @Flag(help: "An admin key (server-to-server and dashboard) instead of a client key.") var admin = false

        func validate() throws {
            if target.master && admin { throw ValidationError("--admin applies to app keys; master keys are always admin") }
        }

        func run() async throws {
            common.restrictNewFilesToThisUser()
            if let app = try await target.resolve(common) {
                let (key, record) = try await AppKeyAdministration.create(dataDirectory: common.dataDir, app: app, name: name,
                                                                           admin: admin, audited: try common.auditEnabled(app))
                print(key)
                KeysCommand.note("created \(record.kind) key \(record.id) (\(record.prefix)…) for \(app)")
            } else {
                let (key, record) = try await MasterKeyAdministration.create(dataDirectory: common.dataDir, name: name)
                print(key)
                KeysCommand.note("created master key \(record.id) (\(record.prefix)…)")
            }
        }
    }

    /// `appbase keys list (--app NAME | --master)`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never the secrets).")
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Target
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            common.restrictNewFilesToThisUser()
            let records = if let app = try await target.resolve(common) {
                try await AppKeyAdministration.list(dataDirectory: common.dataDir, app: app)
            } else {
                try await MasterKeyAdministration.list(dataDirectory: common.dataDir)
            }
            if json {
                print(JSONValue.array(records.map(\.json)).jsonText)
                return
            }
            for record in records {
                let status = record.revokedAt.map { "revoked \($0)" } ?? "active"
                print("\(record.id)  \(record.prefix)…  \(target.master ? "master" : record.kind)  \(record.name)  \(status)")
            }
        }
    }

    /// `appbase keys revoke (--app NAME | --master) --id ID`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id or display prefix.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Target
        @Option(help: "The key's id or its display prefix.") var id: String

        func run() async throws {
            common.restrictNewFilesToThisUser()
            if let app = try await target.resolve(common) {
                let record = try await AppKeyAdministration.revoke(dataDirectory: common.dataDir, app: app, idOrPrefix: id,
                                                                   audited: try common.auditEnabled(app))
                KeysCommand.note("revoked key \(record.id) (\(record.prefix)…) of \(app)")
            } else {
                let record = try await MasterKeyAdministration.revoke(dataDirectory: common.dataDir, idOrPrefix: id)
                KeysCommand.note("revoked master key \(record.id) (\(record.prefix)…)")
            }
        }
    }

    static func note(_ message: String) {
        var standardError = StandardError()
        print(message, to: &standardError)
    }
}

/// Writes to stderr, so stdout carries only the key.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
