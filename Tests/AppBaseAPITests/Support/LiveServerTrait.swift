import Testing

/// Runs a whole suite against one `LiveServer`: started before the suite's first test, shut down
/// after its last, reachable from its tests as `LiveServer.current`.
///
/// A suite trait only (not a test trait), so its scope wraps the suite once rather than each test.
struct LiveServerTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let server = try await LiveServer.start()
        // The apps' start-up lifecycle events belong to no scenario (StartStopTests checks them).
        _ = await server.events.take()
        do {
            try await LiveServer.$current.withValue(server) { try await function() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension Trait where Self == LiveServerTrait {
    /// One live server (`alpha` and `beta`) for the whole suite.
    static var liveServer: Self { LiveServerTrait() }
}
