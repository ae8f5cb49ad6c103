import CSQLite

extension SQLiteConnection {
    /// Copies this connection's `main` database into `destination` with SQLite's online backup
    /// API, all pages in one step. Called inside a read transaction, the copy is exactly that
    /// transaction's snapshot (the step reuses it); writers on other connections go on meanwhile
    /// (WAL). See docs/adr/0037-backup-format.md for why this and not `VACUUM INTO`.
    /// - Throws: `SQLiteError` from opening the destination or from the copy.
    public func backup(into destination: SQLiteConnection) throws(SQLiteError) {
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw SQLiteError(code: sqlite3_extended_errcode(destination.handle),
                              message: String(cString: sqlite3_errmsg(destination.handle)))
        }
        let stepped = sqlite3_backup_step(backup, -1)
        let finished = sqlite3_backup_finish(backup)
        guard stepped == SQLITE_DONE, finished == SQLITE_OK else {
            throw SQLiteError(code: stepped == SQLITE_DONE ? finished : stepped,
                              message: "online backup of \(path): \(String(cString: sqlite3_errmsg(destination.handle)))")
        }
    }
}
