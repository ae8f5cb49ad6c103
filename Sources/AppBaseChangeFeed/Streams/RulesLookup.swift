import AppBaseCore
import AppBaseRuntime
import Synchronization

/// The collections' read rules, attached once after construction (the collections service is
/// built after the change feed, which it records into).
final class RulesLookup: Sendable {
    private let source = Mutex<(any CollectionRulesSource)?>(nil)

    /// Sets the source; later calls replace it.
    func attach(_ rules: any CollectionRulesSource) { source.withLock { $0 = rules } }

    /// The attached source, if any.
    var attached: (any CollectionRulesSource)? { source.withLock { $0 } }

    /// The collection's read rule, or nil when it does not exist (or nothing is attached).
    func readRule(for collection: String) -> AccessRule? { attached?.rules(for: collection)?.read }

    /// Whether unknown collections are created on first write (true when nothing is attached).
    var implicitCollections: Bool { attached?.implicitCollections ?? true }
}
