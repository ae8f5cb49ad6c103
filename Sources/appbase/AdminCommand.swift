import AppBaseCore
import AppBasePlatform
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `appbase admin create|list|remove --app NAME`: manage the people who may sign in to an app's
/// dashboard (separate from the app's users), with or without a running server — a running server
/// applies the change before the command returns, as with `appbase keys`.
struct AdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Manage an app's dashboard admins.",
        subcommands: [Create.self, List.self, Remove.self])

    /// `appbase admin create --app NAME --email E --password-stdin`: the password is read from stdin
    /// (one line, the newline dropped), never from the command line where `ps` would show it.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a dashboard admin; the password comes from stdin.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The app.") var app: String
        @Option(help: "The admin's email address (their sign-in name).") var email: String
        @Flag(help: "Read the password from standard input (required: passwords never go on the command line).")
        var passwordStdin = false

        func validate() throws {
            guard passwordStdin else { throw ValidationError("give --password-stdin and pipe the password in") }
        }

        func run() async throws {
            common.restrictNewFilesToThisUser()
            try await common.checkRegistered(app)
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("no password on standard input")
            }
            let admin = try await DashboardAdminAdministration.create(dataDirectory: common.dataDir, app: app, email: email,
                                                                      password: line, audited: try common.auditEnabled(app))
            print(admin.id)
            KeysCommand.note("created dashboard admin \(admin.email) (\(admin.id)) for \(app)")
        }
    }

    /// `appbase admin list --app NAME [--json]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dashboard admins (never their passwords).")
        @OptionGroup var common: CommonOptions
        @Option(help: "The app.") var app: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            common.restrictNewFilesToThisUser()
            try await common.checkRegistered(app)
            let admins = try await DashboardAdminAdministration.list(dataDirectory: common.dataDir, app: app)
            if json {
                print(JSONValue.array(admins.map(\.json)).jsonText)
                return
            }
            if admins.isEmpty { KeysCommand.note("\(app) has no dashboard admin; create one with `appbase admin create`") }
            for admin in admins {
                let last = admin.lastLoginAt.map { "last sign-in \(Timestamp.rfc3339(milliseconds: $0))" } ?? "never signed in"
                print("\(admin.id)  \(admin.email)  created \(Timestamp.rfc3339(milliseconds: admin.createdAt))  \(last)")
            }
        }
    }

    /// `appbase admin remove --app NAME --admin ID_OR_EMAIL`: their sessions end at once.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a dashboard admin; their sessions end at once.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The app.") var app: String
        @Option(name: .customLong("admin"), help: "The admin's id or email.") var idOrEmail: String

        func run() async throws {
            common.restrictNewFilesToThisUser()
            try await common.checkRegistered(app)
            let admin = try await DashboardAdminAdministration.remove(dataDirectory: common.dataDir, app: app,
                                                                      idOrEmail: idOrEmail, audited: try common.auditEnabled(app))
            KeysCommand.note("removed dashboard admin \(admin.email) (\(admin.id)) of \(app)")
        }
    }
}
