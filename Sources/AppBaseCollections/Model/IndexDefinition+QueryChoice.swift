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
    /// on a tie. `ownerScoped` picks the `(collection, owner_id, …)` shape, which exists for
    /// collections whose read rule is `owner` and serves their users' reads.
    static func queryIndexName(for filter: Filter?, among indexes: [IndexDefinition], ownerScoped: Bool) -> String? {
        guard let filter else { return nil }
        var best: (score: Int, index: IndexDefinition)?
        for index in indexes {
            let score = filter.indexScore(leadingPaths: index.fields)
            if score > (best?.score ?? 0) { best = (score, index) }
        }
        return best?.index.queryIndex(ownerScoped: ownerScoped).name
    }
}
