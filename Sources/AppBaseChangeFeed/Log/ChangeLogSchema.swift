import AppBaseSQLite

/// The `changefeed` namespace of the app database.
///
/// `seq` is `AUTOINCREMENT` so a sequence is never reused, even after pruning; together with the
/// rule that pruning keeps the newest row, `max(seq)` is always the current sequence. The small
/// columns come before the images so that reading them (pruning, totals) never walks a large
/// image's overflow pages. `created_at` is milliseconds since the epoch; `size` the row's bytes.
enum ChangeLogSchema {
    static let migrations: [Migration] = [
        Migration(version: 1, name: "change log", sql: """
            CREATE TABLE change_log (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                collection TEXT NOT NULL,
                record_id TEXT NOT NULL,
                owner_id TEXT,
                action TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                size INTEGER NOT NULL,
                old_image TEXT,
                new_image TEXT
            );
            """),
    ]
}
