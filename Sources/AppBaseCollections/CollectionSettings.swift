/// The database API's limits and switches for one app, with their documented defaults
/// (`[apps.<name>.database]` in the configuration file).
public struct CollectionSettings: Sendable, Hashable {
    /// Whether the first write to an unknown collection creates it with the default rules.
    /// When false only admins create collections (`POST /admin/collections`) and writes to an
    /// unknown collection answer 404.
    public var implicitCollections = true
    /// Largest record body (POST, PUT, PATCH) → 413 beyond. Default 1 MiB.
    public var maxBodyBytes = 1 << 20
    /// Largest stored record data (its JSON text, system fields aside) that any write may leave:
    /// a create, a PUT, the result of a PATCH merge, every record a batch writes → 413
    /// `payload_too_large` beyond, nothing written. Default 1 MiB.
    public var maxRecordBytes = 1 << 20
    /// Deepest container nesting in a record (`{}` at the top counts 1). Default 32.
    public var maxDepth = 32
    /// Items per page when `limit` is absent. Default 50.
    public var defaultPageSize = 50
    /// Largest `limit` honoured; larger values are clamped. Default 500.
    public var maxPageSize = 500
    /// Bytes of items after which a list page ends before `limit` rows, so a page of large
    /// records is not built whole in memory; `nextCursor` continues after the last item sent and
    /// a page always holds at least one item. Default 4 MiB.
    public var pageByteBudget = 4 << 20
    /// SQLite virtual-machine steps one list (and its count) may take → 400 `query_too_expensive`
    /// beyond, instead of a full scan that stalls a reader thread. Default 2,000,000.
    public var queryBudgetSteps = 2_000_000
    /// Operations in one `POST /db/batch`. Default 100.
    public var batchMaxOperations = 100
    /// Largest batch body. Default 4 MiB.
    public var batchMaxBodyBytes = 4 << 20
    /// Indexes one collection may declare. Default 16.
    public var maxIndexesPerCollection = 16
    /// Fields one index may cover. Default 4.
    public var maxFieldsPerIndex = 4
    /// Paths one `fields=` projection may name. Default 64.
    public var maxProjectedFields = 64

    /// The defaults above.
    public init() {}
}
