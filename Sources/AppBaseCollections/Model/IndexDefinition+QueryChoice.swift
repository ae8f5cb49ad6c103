import AppBaseCore
import AppBaseQuery

extension IndexDefinition {
    /// The name of the query index a list should search, or nil to leave the choice to SQLite
    /// (no filter, or no declared index the filter can narrow).
    ///
    /// SQLite plans without statistics (we never run `ANALYZE`; ADR 0014), and its guesses
    /// prefer walking the built-in `-createdAt` index, which needs no sort, over searching a
    /// declared index for a selective filter and sorting the few matches. So when a top-level
    /// term pins or bounds the leading path of a declared index, the list names that index
    /// (`INDEXED BY`): the one the filter narrows most (`Filter.indexScore`), the first declared
    /// on a tie.
    ///
    /// The collection's `readRule` says which shape its query indexes have (ADR 0047): under the
    /// `owner` rule they lead with `owner_id`, which `ownerPinned` readers (a user, whose rule
    /// predicate is `owner_id = ?`) always pin; any other reader of such a collection (an admin)
    /// searches one only when its filter pins `ownerId` by equality *and* narrows the declared
    /// paths after it. A filter on `ownerId` alone is better served by the built-in
    /// `(collection, owner_id, created_at, id)` index, which keeps the default order.
    static func queryIndexName(for filter: Filter?, among indexes: [IndexDefinition], collection: String,
                               readRule: AccessRule, ownerPinned: Bool) -> String? {
        guard let filter else { return nil }
        let ownerScoped = readRule == .owner
        var best: (score: Int, index: IndexDefinition)?
        for index in indexes {
            var paths = index.searchPaths(ownerScoped: ownerScoped)
            if paths.first?.systemField == .ownerId {
                // Pinned by a user's rule, or by the filter: what counts is the paths after it.
                guard ownerPinned || filter.indexScore(leadingPaths: [paths[0]]) == Filter.pinnedScore else { continue }
                paths.removeFirst()
            }
            let score = filter.indexScore(leadingPaths: paths)
            if score > (best?.score ?? 0) { best = (score, index) }
        }
        return best?.index.queryIndex(collection: collection, ownerScoped: ownerScoped).name
    }
}
