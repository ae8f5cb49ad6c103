import AppBaseCore
import AppBaseOps
import ArgumentParser

/// `appbase doctor [--config FILE] [--data-dir DIR] [--json]`: checks what a LAN deployment
/// needs and says what is wrong in plain words; exit 0 only when every check holds.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a deployment: configuration, data directory, ports, avahi-daemon, clock, TLS, disk space, permissions.",
        discussion: "Exit status 0 when every check holds (warnings allowed), 1 when one failed.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Print the findings as JSON: {\"ok\", \"checks\": [{\"check\", \"status\", \"message\", \"fix\"}]}.") var json = false
    @Option(name: .customLong("min-free-mb"), help: "Warn when the data directory's volume has less free space than this (MiB).")
    var minFreeMB = 1024

    func validate() throws {
        guard (0...(1 << 30)).contains(minFreeMB) else { throw ValidationError("--min-free-mb must be between 0 and 1073741824") }
    }

    func run() throws {
        var doctor = Doctor(configPath: common.config, dataDirectory: common.dataDir)
        doctor.minimumFreeBytes = Int64(minFreeMB) << 20
        let report = doctor.run()
        print(json ? report.json.jsonText : report.text)
        if !report.passed { throw ExitCode(1) }
    }
}
