import AppBaseCore
import OrderedCollections

/// Everything one `appbase doctor` run found, in check order.
public struct DoctorReport: Sendable, Equatable {
    public let findings: [DoctorFinding]

    public init(findings: [DoctorFinding]) {
        self.findings = findings
    }

    /// Whether every check held (warnings and skipped checks allowed): the exit status is 0
    /// exactly when this is true.
    public var passed: Bool { !findings.contains { $0.status == .failed } }

    /// The findings of one check.
    public func findings(of check: String) -> [DoctorFinding] { findings.filter { $0.check == check } }

    /// `{"ok": Bool, "checks": [finding…]}` for `--json`.
    public var json: JSONValue {
        .object(["ok": .bool(passed), "checks": .array(findings.map(\.json))] as OrderedDictionary<String, JSONValue>)
    }

    /// One line per finding (`ok`, `WARNING`, `FAILED`, `skipped`), its fix indented below,
    /// and a last line saying whether everything holds.
    public var text: String {
        var lines: [String] = []
        for finding in findings {
            let label = switch finding.status {
            case .ok: "ok      "
            case .warning: "WARNING "
            case .failed: "FAILED  "
            case .skipped: "skipped "
            }
            lines.append("\(label) \(finding.check.padding(12)) \(finding.message)")
            if let fix = finding.fix { lines.append("         \("".padding(12)) → \(fix)") }
        }
        let failed = findings.filter { $0.status == .failed }.count
        lines.append(failed == 0 ? "All checks hold." : "\(failed) check\(failed == 1 ? "" : "s") failed.")
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string, padded with spaces to `width` characters (never cut).
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
