/// Something a test sets up and must tear down afterwards, whatever the test's outcome: a
/// running service over a scratch database, a server.
public protocol TestFixture: Sendable {
    /// Releases everything the fixture holds (stops what runs, closes files, removes scratch
    /// directories). Called once.
    func close() async
}

extension TestFixture {
    /// Runs `body` with the fixture, then closes it — also when `body` throws.
    public func use(_ body: (Self) async throws -> Void) async throws {
        do {
            try await body(self)
        } catch {
            await close()
            throw error
        }
        await close()
    }
}
