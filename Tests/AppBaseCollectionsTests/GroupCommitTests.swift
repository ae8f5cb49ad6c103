import AppBaseCore
import AppBaseSQLite
import Testing

@testable import AppBaseCollections

/// Record writes check the catalog as it is inside their transaction: a catalog change by an
/// earlier job of the same group commit is not yet in the published snapshot, but applies.
@Suite("Record writes read the catalog inside the transaction")
struct GroupCommitTests {
    /// Runs `catalogChange` and then a create as alice in one writer transaction (as two jobs of
    /// one group commit would), returning the create's error, if any.
    static func createAfter(_ app: TestApp, _ collection: String,
                            _ catalogChange: @escaping @Sendable (SQLiteConnection) throws -> Void) async -> (any Error)? {
        let registry = app.service.registry, recorder = app.recorder
        let identity = TestCaller.alice.identity!
        do {
            _ = try await app.writer.write { context in
                try catalogChange(context.connection)
                return try RecordTransaction(context: context, registry: registry, recorder: recorder, identity: identity,
                                             requestID: "test", now: 1_700_000_000_000)
                    .create(in: collection, data: Array(#"{"n":1}"#.utf8)).id
            }
            return nil
        } catch {
            return error
        }
    }

    @Test("a collection deleted earlier in the transaction is not written to when implicit creation is off")
    func deletedInSameTransaction() async throws {
        try await TestApp.with({ $0.implicitCollections = false }) { app in
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"x"}"#).status == 201)
            #expect(app.service.rules(for: "x") != nil)
            let failure = await Self.createAfter(app, "x") { connection in _ = try CatalogStore.delete("x", connection) }
            #expect((failure as? AppBaseError)?.status == 404)
            let rows = try await app.query("SELECT count(*) FROM records WHERE collection = 'x'") { $0.int64(0) }
            #expect(rows == [0])
        }
    }

    @Test("a rule tightened earlier in the transaction applies to the write")
    func tightenedInSameTransaction() async throws {
        try await TestApp.with { app in
            #expect(await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"y"}"#).status == 201)
            let failure = await Self.createAfter(app, "y") { connection in
                let tightened = CollectionDefinition(name: "y", rules: AccessRules(create: .admin), indexes: [], createdAt: "")
                try CatalogStore.update(tightened, connection)
            }
            #expect((failure as? AppBaseError)?.status == 403)
        }
    }
}
