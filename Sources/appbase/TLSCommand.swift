import AppBasePlatform
import ArgumentParser

/// `appbase tls export-ca`: prints the CA certificate (PEM) that devices must trust.
struct TLSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls", abstract: "HTTPS on the LAN: the server's certificate authority.",
        subcommands: [ExportCA.self])

    struct ExportCA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-ca", abstract: "Print the CA certificate (PEM) to install on devices.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            common.restrictNewFilesToThisUser()
            let configuration = try common.loadConfiguration()
            print(try TLSAdministration.exportCA(configuration: configuration, dataDirectory: common.dataDir), terminator: "")
        }
    }
}
