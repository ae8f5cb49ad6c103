import AppBaseCore
import AppBasePlatform
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `appbase keys create|list|revoke`: manage an app's API keys, with or without a running server.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage an app's API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// `appbase keys create --app NAME --name LABEL [--admin]`: prints the new key alone on stdout.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; prints it once, alone on stdout.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The app.") var app: String
        @Option(help: "A label for the key.") var name: String
        @Flag(help: "An admin key (server-to-server and dashboard) instead of a client key.") var admin = false

        func run() async throws {
            _ = try common.registeredApp(app)
            common.restrictNewFilesToThisUser()
            let (key, record) = try await AppKeyAdministration.create(dataDirectory: common.dataDir, app: app, name: name,
                                                                       admin: admin)
            print(key)
            KeysCommand.note("created \(record.kind) key \(record.id) (\(record.prefix)…) for \(app)")
        }
    }

    /// `appbase keys list --app NAME`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an app's keys (never the secrets).")
        @OptionGroup var common: CommonOptions
        @Option(help: "The app.") var app: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            _ = try common.registeredApp(app)
            common.restrictNewFilesToThisUser()
            let records = try await AppKeyAdministration.list(dataDirectory: common.dataDir, app: app)
            if json {
                print(JSONValue.array(records.map(\.json)).jsonText)
                return
            }
            for record in records {
                let status = record.revokedAt.map { "revoked \($0)" } ?? "active"
                print("\(record.id)  \(record.prefix)…  \(record.kind)  \(record.name)  \(status)")
            }
        }
    }

    /// `appbase keys revoke --app NAME --id ID`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id or display prefix.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The app.") var app: String
        @Option(help: "The key's id or its display prefix.") var id: String

        func run() async throws {
            _ = try common.registeredApp(app)
            common.restrictNewFilesToThisUser()
            let record = try await AppKeyAdministration.revoke(dataDirectory: common.dataDir, app: app, idOrPrefix: id)
            KeysCommand.note("revoked key \(record.id) (\(record.prefix)…) of \(app)")
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
