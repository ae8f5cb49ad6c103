import AppBaseAudit
import AppBaseCore
import AppBaseSQLite
import AppBaseTestSupport
import Testing
@testable import AppBasePlatform

/// The CLI's key and dashboard-admin changes commit their audit entry with them, on the CLI's own
/// connection, so they are audited with no server running too; with the app's audit mode `off`,
/// nothing is appended.
@Suite("Audit entries of the CLI's changes")
struct OperatorAuditTests {
    /// `action`, `target`, `actor_kind` and `details` of every entry, oldest first.
    private static func entries(_ path: String) throws -> [(action: String, target: String?, actor: String, details: String)] {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        return try connection.query("SELECT action, target, actor_kind, details FROM audit_log ORDER BY seq") {
            ($0.text(0), $0.optionalText(1), $0.text(2), $0.text(3))
        }
    }

    @Test("with no server running: key create and revoke, admin create and remove are each audited once, and the chain verifies")
    func offlineChangesAreAudited() async throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-operator-audit")
        defer { TemporaryDirectory.remove(directory) }
        let created = try await AppKeyAdministration.create(dataDirectory: directory, app: "notes", name: "cli key", admin: true)
        _ = try await AppKeyAdministration.revoke(dataDirectory: directory, app: "notes", idOrPrefix: created.summary.id)
        _ = try await AppKeyAdministration.revoke(dataDirectory: directory, app: "notes", idOrPrefix: created.summary.id)
        let admin = try await DashboardAdminAdministration.create(dataDirectory: directory, app: "notes",
                                                                  email: "ops@example.com", password: "a long enough password")
        _ = try await DashboardAdminAdministration.remove(dataDirectory: directory, app: "notes", idOrEmail: admin.id)

        let path = try await AppDataLocation.prepareDatabase(dataDirectory: directory, app: "notes")
        let logged = try Self.entries(path)
        #expect(logged.map(\.action) == ["key.create", "key.revoke", "dashboard.admin.create", "dashboard.admin.remove"],
                "a second revocation changes nothing and adds no entry")
        #expect(logged.map(\.target) == [created.summary.id, created.summary.id, admin.id, admin.id])
        #expect(logged.allSatisfy { $0.actor == "system" && $0.details.contains(#""via":"cli""#) })
        #expect(logged[0].details.contains(#""kind":"admin""#))
        #expect(!logged.contains { $0.details.contains(created.key) }, "never the secret")
        let verification = try AuditVerification.verify(databasePath: path)
        #expect(verification.ok && verification.entries == 4)
    }

    @Test("with the app's audit mode off, the CLI appends nothing")
    func auditOffAppendsNothing() async throws {
        let directory = try TemporaryDirectory.make(prefix: "appbase-operator-audit-off")
        defer { TemporaryDirectory.remove(directory) }
        let created = try await AppKeyAdministration.create(dataDirectory: directory, app: "quiet", name: "k", admin: false,
                                                            audited: false)
        _ = try await AppKeyAdministration.revoke(dataDirectory: directory, app: "quiet", idOrPrefix: created.summary.id,
                                                  audited: false)
        let path = try await AppDataLocation.prepareDatabase(dataDirectory: directory, app: "quiet")
        #expect(try Self.entries(path).isEmpty)
    }
}
