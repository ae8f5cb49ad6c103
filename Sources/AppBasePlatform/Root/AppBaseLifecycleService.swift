import Logging
import ServiceLifecycle

/// Runs the root supervisor under swift-service-lifecycle: starts it, waits for graceful
/// shutdown (SIGINT/SIGTERM), then shuts it down in reverse order.
public struct AppBaseLifecycleService: Service {
    let root: RootSupervisor
    let onStarted: @Sendable (RootSupervisor.Ports) -> Void

    public init(root: RootSupervisor, onStarted: @escaping @Sendable (RootSupervisor.Ports) -> Void = { _ in }) {
        self.root = root
        self.onStarted = onStarted
    }

    public func run() async throws {
        let ports = try await root.start()
        onStarted(ports)
        try? await gracefulShutdown()
        await root.shutdown()
    }
}
