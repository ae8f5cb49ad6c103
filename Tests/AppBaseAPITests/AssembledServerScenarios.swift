import Testing

/// Scenario tables run against the assembled server: one `RootSupervisor` with the apps `alpha`
/// and `beta` on ephemeral ports, shared by every table of this suite (`.liveServer`) and run
/// one request at a time (`.serialized`). Tables live in `AssembledServerScenarios+<Topic>.swift`;
/// each is independent of the others (its own emails, collections and captured values).
@Suite("Assembled server", .serialized, .liveServer)
struct AssembledServerScenarios {
    /// A runner on the suite's server.
    static func runner() throws -> ScenarioRunner {
        ScenarioRunner(server: try #require(LiveServer.current, "the suite's live server did not start"))
    }
}
