import AppBaseCore
import Testing
@testable import AppBasePlatform

/// The app lifecycle machine: exactly the moves of its table are legal.
@Suite("App lifecycle state machine")
struct AppLifecycleTests {
    typealias State = AppLifecycle.State

    /// The legal moves, written out independently of the implementation's switch.
    static let legal: Set<[State]> = [
        [.provisioning, .running], [.provisioning, .failed], [.provisioning, .stopping],
        [.running, .degraded], [.running, .failed], [.running, .stopping],
        [.degraded, .running], [.degraded, .failed], [.degraded, .stopping],
        [.failed, .provisioning], [.failed, .stopped], [.failed, .deleted],
        [.stopping, .stopped],
        [.stopped, .provisioning], [.stopped, .deleted],
    ]

    @Test("every pair of states is legal exactly when the table lists it", arguments: State.allCases)
    func table(from: State) {
        for to in State.allCases {
            #expect(AppLifecycle.isLegal(from: from, to: to) == Self.legal.contains([from, to]), "\(from) → \(to)")
        }
    }

    @Test("a new machine is provisioning; deleted is final")
    func initialAndFinal() {
        #expect(AppLifecycle().state == .provisioning)
        for to in State.allCases { #expect(!AppLifecycle.isLegal(from: .deleted, to: to)) }
    }

    @Test("a legal path moves; an illegal move throws and changes nothing")
    func moves() throws {
        var machine = AppLifecycle()
        for next: State in [.running, .degraded, .running, .stopping, .stopped, .provisioning, .failed, .deleted] {
            try machine.move(to: next)
            #expect(machine.state == next)
        }
        var running = AppLifecycle()
        try running.move(to: .running)
        #expect(throws: AppLifecycle.IllegalTransition(from: .running, to: .deleted)) { try running.move(to: .deleted) }
        #expect(running.state == .running)
        #expect(throws: AppLifecycle.IllegalTransition.self) { try running.move(to: .provisioning) }
        #expect(running.isServing)
    }
}
