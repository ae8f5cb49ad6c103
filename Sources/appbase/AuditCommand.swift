import AppBaseAudit
import AppBaseCore
import AppBasePlatform
import ArgumentParser

/// `appbase audit verify --app NAME [--json]`: walks an app's audit-log hash chain, with or
/// without a running server (it reads the database like any WAL reader).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check an app's audit log.", subcommands: [Verify.self])

    /// Exit 0 when the chain holds; 1 with the first broken entry named otherwise.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit log's hash chain; names the first broken entry (exit 1).")
        @OptionGroup var common: CommonOptions
        @Option(help: "The app.") var app: String
        @Flag(help: "Print the result as JSON (the same object as GET /admin/audit-log/verify).") var json = false

        func run() async throws {
            common.restrictNewFilesToThisUser()
            try await common.checkRegistered(app)
            let path = try await AppDataLocation.prepareDatabase(dataDirectory: common.dataDir, app: app)
            let result = try AuditVerification.verify(databasePath: path)
            if json {
                print(result.json.jsonText)
            } else if let broken = result.firstBroken {
                print("audit log of \(app): BROKEN at seq \(broken): \(result.reason ?? "")")
                print("\(result.entries) entries; the chain holds through \(result.checkedThrough.map(String.init) ?? "no entry")")
            } else {
                let start = result.checkpoint.map { " (from the checkpoint at seq \($0.seq), cut at seq \($0.cutSeq))" } ?? ""
                print("audit log of \(app): ok, \(result.entries) entries\(start), checked through seq "
                      + (result.checkedThrough.map(String.init) ?? "none"))
            }
            if !result.ok { throw ExitCode(1) }
        }
    }
}
