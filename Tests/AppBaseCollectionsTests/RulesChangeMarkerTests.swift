import AppBaseCore
import AppBaseRuntime
import Testing

/// Changing a collection's read rule logs a `rules_changed` marker in the same transaction, so the
/// change feed never replays older entries under the new rule (issue 12 §5).
@Suite("Read-rule changes are marked in the change log")
struct RulesChangeMarkerTests {
    @Test("PATCH of the read rule logs one marker; other rule changes log none")
    func readRuleChangeLogsMarker() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/admin/collections", as: .admin, body: #"{"name":"c"}"#)
            #expect(created.status == 201)
            _ = try await app.create("c", #"{"n":1}"#)
            let other = await app.request("PATCH", "/admin/collections/c", as: .admin, body: #"{"rules":{"create":"admin"}}"#)
            #expect(other.status == 200)
            #expect(!app.recorder.changes.contains { $0.action == .rulesChanged })

            let relaxed = await app.request("PATCH", "/admin/collections/c", as: .admin, body: #"{"rules":{"read":"authenticated"}}"#)
            #expect(relaxed.status == 200)
            let markers = app.recorder.changes.filter { $0.action == .rulesChanged }
            #expect(markers.map(\.collection) == ["c"])
            #expect(app.recorder.changes.last?.action == .rulesChanged)
        }
    }

    @Test("dropping a collection logs only its drop marker, recording the read rule it had for resumes across it")
    func dropLogsNoRulesMarker() async throws {
        try await TestApp.with { app in
            let created = await app.request("POST", "/admin/collections", as: .admin,
                                            body: #"{"name":"d","rules":{"read":"authenticated"}}"#)
            #expect(created.status == 201)
            _ = try await app.create("d", #"{"n":1}"#)
            let before = app.recorder.changes.count
            let dropped = await app.request("DELETE", "/admin/collections/d", as: .admin)
            #expect(dropped.status == 204)
            #expect(app.recorder.changes.dropFirst(before).map(\.action) == [.drop])
            #expect(RecordChange.droppedReadRule(from: app.recorder.changes.last?.oldImage) == .authenticated)
        }
    }
}
