import AppBaseAudit
import AppBaseCore
import AppBaseRuntime
import AppBaseSQLite
import AppBaseTestSupport
import Logging
import Testing

/// The service side: `AppEnvironment.audit` commits its entry before it returns, and
/// `pruneExpired` applies `retain_days` (the job the prune loop and a scheduler call).
@Suite("Audit service")
struct AuditServiceTests {
    static func environment(_ fixture: AuditLogFixture) -> AppEnvironment {
        AppEnvironment(app: "a", dataDirectory: fixture.directory, storageDirectory: fixture.directory + "/storage",
                       writer: fixture.database.writer, readers: fixture.database.readers, bus: EventBus(),
                       clock: fixture.clock, logger: Logger(label: "audit-test"), masterSecret: [],
                       auditRecorder: fixture.log)
    }

    @Test("AppEnvironment.audit has committed the entry when it returns, and publishes it on the bus")
    func environmentAuditIsDurable() async throws {
        try await AuditLogFixture.with { fixture in
            let environment = Self.environment(fixture)
            let tap = AuditTap(bus: environment.bus)
            await environment.audit("auth.login", actor: AuditActor(userID: "u1", keyID: "k1", ip: "127.0.0.1"), target: "u1",
                                    requestID: "r1", details: ["via": "test"])
            let rows = try await fixture.database.readers.read { connection in
                try connection.query("SELECT action, actor_kind, actor_user_id, actor_key_id, target, details FROM audit_log") {
                    [$0.text(0), $0.text(1), $0.text(2), $0.text(3), $0.text(4), $0.text(5)]
                }
            }
            #expect(rows == [["auth.login", "api_key", "u1", "k1", "u1", #"{"via":"test"}"#]])
            #expect(await tap.take().map(\.action) == ["auth.login"])
            tap.cancel()
        }
    }

    @Test("pruneExpired cuts what is older than retain_days and nothing when retention is off")
    func pruneExpired() async throws {
        try await AuditLogFixture.with { fixture in
            let now = fixture.clock.nowMilliseconds()
            try await fixture.append(3, time: now - 40 * 86_400_000)
            try await fixture.append(2, time: now - 86_400_000)
            var keepForever = AuditSettings()
            keepForever.retainDays = 0
            let environment = Self.environment(fixture)
            #expect(try await AuditService(environment: environment, log: fixture.log, settings: keepForever).pruneExpired() == 0)
            var thirtyDays = AuditSettings()
            thirtyDays.retainDays = 30
            let service = AuditService(environment: environment, log: fixture.log, settings: thirtyDays)
            #expect(try await service.pruneExpired() == 3)
            #expect(try await service.pruneExpired() == 0)
            let result = try await fixture.verify()
            #expect(result.ok && result.entries == 3 && result.checkpoint?.cutSeq == 3)
        }
    }
}
