import AppBaseCore
@testable import AppBaseMDNS
import Testing

/// Which lifecycle states announce, keep or withdraw an app's names, and what gets published.
@Suite struct AnnouncementBookTests {
    private let address = MDNSAddress(ip: "127.0.0.1", interfaceIndex: 1)

    private func book() -> AnnouncementBook {
        AnnouncementBook(names: MDNSNames(domain: "appbase.local"), version: "9.9.9", addresses: [address])
    }

    @Test(arguments: [
        (AppLifecycleEvent.State.running, AnnouncementBook.Action.publish),
        (.degraded, .keep), (.provisioning, .keep),
        (.failed, .withdraw), (.stopping, .withdraw), (.stopped, .withdraw), (.deleted, .withdraw),
    ])
    func lifecyclePolicy(state: AppLifecycleEvent.State, action: AnnouncementBook.Action) {
        #expect(AnnouncementBook.action(for: state) == action)
    }

    @Test func everyStateHasAPolicy() {
        // A new state added to the machine must be placed here deliberately.
        #expect(AppLifecycleEvent.State.allCases.count == 7)
    }

    @Test func runningPublishesTheAppsNamesAndService() {
        var book = book()
        let changes = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101))
        #expect(changes == [
            .publish(MDNSPublication(key: "app.notes.addresses", app: "notes", content: .addresses(
                names: ["api.notes.appbase.local", "dashboard.notes.appbase.local", "notes.appbase.local"], addresses: [address]))),
            .publish(MDNSPublication(key: "app.notes.service", app: "notes", content: .service(
                name: "notes", type: "_http._tcp", port: 3101, txt: ["app=notes", "api=/", "version=9.9.9"]))),
        ])
    }

    @Test func aSecondRunningOnTheSamePortChangesNothing() {
        var book = book()
        _ = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101))
        #expect(book.apply(AppLifecycleEvent(app: "notes", state: .degraded, port: 3101)).isEmpty)
        #expect(book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101)).isEmpty)
    }

    @Test func aNewPortRepublishesOnlyTheService() {
        var book = book()
        _ = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101))
        let changes = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3102))
        #expect(changes.count == 1)
        guard case .publish(let publication)? = changes.first, case .service(_, _, let port, _) = publication.content else {
            Issue.record("expected a service publish, got \(changes)")
            return
        }
        #expect(port == 3102)
    }

    @Test(arguments: [AppLifecycleEvent.State.stopping, .stopped, .failed, .deleted])
    func stoppingStatesWithdrawBothGroupsOnce(state: AppLifecycleEvent.State) {
        var book = book()
        _ = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101))
        _ = book.apply(AppLifecycleEvent(app: "todo", state: .running, port: 3102))
        #expect(book.apply(AppLifecycleEvent(app: "notes", state: state)) == [
            .withdraw(key: "app.notes.service"), .withdraw(key: "app.notes.addresses"),
        ])
        #expect(book.apply(AppLifecycleEvent(app: "notes", state: .stopped)).isEmpty)
        #expect(book.publications.map(\.key) == ["app.todo.addresses", "app.todo.service"])
    }

    @Test func aRestartAfterAFailurePublishesAgain() {
        var book = book()
        _ = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101))
        _ = book.apply(AppLifecycleEvent(app: "notes", state: .failed, message: "crash"))
        #expect(book.apply(AppLifecycleEvent(app: "notes", state: .provisioning)).isEmpty)
        #expect(book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101)).count == 2)
    }

    @Test func theControlPlaneAnnouncesTheDomainAndItsService() {
        var book = book()
        let changes = book.announceControlPlane(port: 8080)
        #expect(changes == [
            .publish(MDNSPublication(key: "host.addresses", app: nil, content: .addresses(names: ["appbase.local"], addresses: [address]))),
            .publish(MDNSPublication(key: "host.service", app: nil, content: .service(
                name: "AppBase", type: "_http._tcp", port: 8080, txt: ["api=/api", "version=9.9.9"]))),
        ])
    }

    @Test func aRenamedServiceKeepsItsNewNameAcrossPortChanges() {
        var book = book()
        _ = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101))
        let renamed = book.renameService("app.notes.service", to: "notes #2")
        guard case .service(let name, _, _, _)? = renamed?.content else {
            Issue.record("rename returned \(String(describing: renamed))")
            return
        }
        #expect(name == "notes #2")
        let changes = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3109))
        guard case .publish(let publication)? = changes.first, case .service(let again, _, _, _) = publication.content else {
            Issue.record("expected a service publish, got \(changes)")
            return
        }
        #expect(again == "notes #2")
        #expect(book.renameService("app.notes.addresses", to: "x") == nil)
    }

    @Test func droppingATakenHostNameKeepsTheRest() {
        var book = book()
        _ = book.announceControlPlane(port: 8080)
        #expect(book.dropName("appbase.local", from: "host.addresses") == nil)
        #expect(book.publication("host.addresses") == nil)
        _ = book.apply(AppLifecycleEvent(app: "notes", state: .running, port: 3101))
        let left = book.dropName("notes.appbase.local", from: "app.notes.addresses")
        #expect(left?.content == .addresses(names: ["api.notes.appbase.local", "dashboard.notes.appbase.local"], addresses: [address]))
    }
}
